package io.onceflow.kafka;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.junit.jupiter.api.Test;

/** The module's API boundary: no public signature names an internal type; Reactor Kafka only inside internal. */
class ArchitectureTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.onceflow.kafka");

    @Test
    void publicSignaturesNameNoInternalType() {
        codeUnits()
                .that()
                .areDeclaredInClassesThat()
                .resideOutsideOfPackage("..internal..")
                .and()
                .areDeclaredInClassesThat()
                .arePublic()
                .and()
                .arePublic()
                .should(new ArchCondition<JavaCodeUnit>("not name an internal or Reactor Kafka type") {
                    @Override
                    public void check(JavaCodeUnit unit, ConditionEvents events) {
                        Set<String> hidden = unit.getAllInvolvedRawTypes().stream()
                                .map(JavaClass::getName)
                                .filter(name -> name.contains(".internal.")
                                        || name.contains(".internals.")
                                        || name.startsWith("reactor.kafka."))
                                .collect(Collectors.toSet());
                        if (!hidden.isEmpty()) {
                            events.add(SimpleConditionEvent.violated(unit, unit.getFullName() + " names " + hidden));
                        }
                    }
                })
                .check(CLASSES);
    }

    /**
     * An implementation type is package-private unless the public package needs it: Java has no module-private
     * visibility short of JPMS, so a public type in {@code internal} is one the public API creates or delegates to, or
     * one that Kafka's clients instantiate by class name (an assignor), which they can only do for a public class.
     */
    @Test
    void internalTypesArePublicOnlyWhereThePublicPackageUsesThem() {
        classes()
                .that()
                .resideInAPackage("io.onceflow.kafka.internal..")
                .and()
                .arePublic()
                .and()
                .areTopLevelClasses()
                .and()
                .doNotImplement(ConsumerPartitionAssignor.class)
                .should(new ArchCondition<JavaClass>("be used by the public package") {
                    @Override
                    public void check(JavaClass type, ConditionEvents events) {
                        boolean used = type.getDirectDependenciesToSelf().stream()
                                .anyMatch(dependency -> !dependency
                                        .getOriginClass()
                                        .getPackageName()
                                        .contains(".internal"));
                        if (!used) {
                            events.add(SimpleConditionEvent.violated(
                                    type,
                                    type.getName() + " is public but only its own package uses it: make it"
                                            + " package-private"));
                        }
                    }
                })
                .check(CLASSES);
    }

    /**
     * Reactor Kafka is discontinued: the source polls its consumer itself ({@code PollLoop}), and the sinks use
     * kafka-clients' producers directly. The dependency is gone; this keeps it from coming back by a transitive way.
     */
    @Test
    void reactorKafkaIsNotUsed() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAPackage("reactor.kafka..")
                .check(CLASSES);
    }

    @Test
    void slf4jOnly() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("java.util.logging..", "org.apache.log4j..", "org.apache.logging.log4j..")
                .check(CLASSES);
    }
}
