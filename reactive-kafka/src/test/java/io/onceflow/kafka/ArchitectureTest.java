package io.onceflow.kafka;

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

    @Test
    void reactorKafkaStaysInsideInternal() {
        noClasses()
                .that()
                .resideOutsideOfPackage("io.onceflow.kafka.internal..")
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
