package io.onceflow.sinks.r2dbc;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module's boundaries: no public signature of the API names an internal type; no Spring; SLF4J only. */
class ArchitectureTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.onceflow.sinks.r2dbc");

    @Test
    void publicSignaturesOfTheApiNameNoInternalType() {
        codeUnits()
                .that()
                .areDeclaredInClassesThat()
                .resideOutsideOfPackage("..internal..")
                .and()
                .areDeclaredInClassesThat()
                .arePublic()
                .and()
                .arePublic()
                .should(new ArchCondition<JavaCodeUnit>("not name an internal type in their signature") {
                    @Override
                    public void check(JavaCodeUnit unit, ConditionEvents events) {
                        Set<String> internal = unit.getAllInvolvedRawTypes().stream()
                                .filter(type -> type.getPackageName().contains(".internal"))
                                .map(JavaClass::getName)
                                .collect(Collectors.toSet());
                        if (!internal.isEmpty()) {
                            events.add(SimpleConditionEvent.violated(unit, unit.getFullName() + " names " + internal));
                        }
                    }
                })
                .check(CLASSES);
    }

    @Test
    void theModuleDependsOnNeitherSpringNorAnotherLoggingFacade() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.springframework..",
                        "org.apache.commons.logging..",
                        "org.apache.log4j..",
                        "java.util.logging..")
                .check(CLASSES);
    }

    @Test
    void implementationClassesAreFinal() {
        classes()
                .that()
                .resideInAPackage("..internal..")
                .and()
                .areTopLevelClasses()
                .and()
                .areNotInterfaces()
                .and()
                .areNotEnums()
                .and()
                .areNotRecords()
                .and()
                .doNotHaveSimpleName("package-info")
                .should()
                .haveModifier(JavaModifier.FINAL)
                .check(CLASSES);
    }
}
