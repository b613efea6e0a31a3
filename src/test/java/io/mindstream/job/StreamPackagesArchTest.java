package io.mindstream.job;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The event records and codecs stay free of Flink, so the trainer and tools can use them. */
class StreamPackagesArchTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.mindstream.event", "io.mindstream.job");

    @Test
    void eventPackageDoesNotDependOnFlinkOrTheJob() {
        noClasses().that().resideInAPackage("io.mindstream.event..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.flink..", "io.mindstream.job..",
                        "io.mindstream.cli..")
                .check(CLASSES);
    }

    @Test
    void jobDoesNotDependOnTheCommandLine() {
        noClasses().that().resideInAPackage("io.mindstream.job..")
                .should().dependOnClassesThat().resideInAnyPackage("io.mindstream.cli..", "picocli..")
                .check(CLASSES);
    }
}
