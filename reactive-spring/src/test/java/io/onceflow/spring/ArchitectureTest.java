package io.onceflow.spring;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module's architecture: the API names no internal type; the optional libraries are touched only by the classes
 * whose auto-configuration checks for them; SLF4J only; no main file over 500 lines.
 */
class ArchitectureTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.onceflow.spring");

    @Test
    void publicSignaturesNameNoInternalType() {
        codeUnits()
                .that()
                .areDeclaredInClassesThat()
                .resideOutsideOfPackage("..internal..")
                .and()
                .arePublic()
                .should(new ArchCondition<JavaCodeUnit>("not name an internal type") {
                    @Override
                    public void check(JavaCodeUnit unit, ConditionEvents events) {
                        Set<String> internal = unit.getAllInvolvedRawTypes().stream()
                                .map(JavaClass::getPackageName)
                                .filter(name -> name.contains(".internal"))
                                .collect(Collectors.toSet());
                        if (!internal.isEmpty()) {
                            events.add(SimpleConditionEvent.violated(unit, unit.getFullName() + " names " + internal));
                        }
                    }
                })
                .check(CLASSES);
    }

    @Test
    void optionalLibrariesStayInTheClassesTheirConditionsGuard() {
        noClasses()
                .that()
                .doNotHaveSimpleName("OnceflowKafka")
                .and()
                .doNotHaveSimpleName("OnceflowKafkaAutoConfiguration")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.onceflow.kafka..")
                .check(CLASSES);
        noClasses()
                .that()
                .doNotHaveSimpleName("OnceflowPostgres")
                .and()
                .doNotHaveSimpleName("OnceflowPostgresAutoConfiguration")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.onceflow.sinks..", "io.r2dbc..")
                .check(CLASSES);
        noClasses()
                .that()
                .doNotHaveSimpleName("PipelineHealthIndicator")
                .and()
                .doNotHaveSimpleName("OnceflowHealthAutoConfiguration")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.springframework.boot.health..")
                .check(CLASSES);
        noClasses()
                .that()
                .doNotHaveSimpleName("OnceflowEndpoint")
                .and()
                .doNotHaveSimpleName("OnceflowEndpointAutoConfiguration")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.springframework.boot.actuate..")
                .check(CLASSES);
        noClasses()
                .that()
                .doNotHaveSimpleName("CheckpointServerSentEvents")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.springframework.http..")
                .check(CLASSES);
    }

    @Test
    void slf4jOnly() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.commons.logging..", "org.apache.log4j..", "java.util.logging..")
                .check(CLASSES);
    }

    @Test
    void noMainFileIsLongerThan500Lines() throws IOException {
        List<String> tooLong;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            tooLong = files.filter(file -> file.toString().endsWith(".java"))
                    .filter(file -> lines(file) > 500)
                    .map(Path::toString)
                    .toList();
        }
        assertThat(tooLong).isEmpty();
    }

    private static long lines(Path file) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
