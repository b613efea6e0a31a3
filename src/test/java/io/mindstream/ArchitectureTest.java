package io.mindstream;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The package directions: routing <- model <- (score, event) <- job (Flink); train never touches Flink; cli sits on
 * top and nothing depends on it. Rules about packages that do not exist yet (event, job, train) hold vacuously
 * until they do, then bind.
 */
@AnalyzeClasses(packages = "io.mindstream", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    private static final String[] JDK = {"java..", "javax.annotation..", "jdk.incubator.vector.."};

    private static String[] with(String[] base, String... more) {
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @ArchTest
    static final ArchRule routingNeedsOnlyTheJdk = classes().that().resideInAPackage("io.mindstream.routing..")
            .should().onlyDependOnClassesThat().resideInAnyPackage(with(JDK, "io.mindstream.routing..", "org.slf4j.."))
            .because("the routing math is shared by the stream, the batch scorer and the trainer");

    @ArchTest
    static final ArchRule modelNeedsOnlyRoutingAndJackson = classes().that().resideInAPackage("io.mindstream.model..")
            .should().onlyDependOnClassesThat().resideInAnyPackage(
                    with(JDK, "io.mindstream.model..", "io.mindstream.routing..", "com.fasterxml.jackson..", "org.slf4j.."));

    @ArchTest
    static final ArchRule scoreNeedsOnlyTheModel = classes().that().resideInAPackage("io.mindstream.score..")
            .should().onlyDependOnClassesThat().resideInAnyPackage(with(JDK, "io.mindstream.score..",
                    "io.mindstream.model..", "io.mindstream.routing..", "com.fasterxml.jackson..", "org.slf4j.."))
            .because("batch scoring is plain Java that the CLI wraps");

    @ArchTest
    static final ArchRule eventStaysBelowTheJob = noClasses().that().resideInAPackage("io.mindstream.event..")
            .should().dependOnClassesThat().resideInAnyPackage("io.mindstream.job..", "io.mindstream.train..",
                    "io.mindstream.cli..", "io.mindstream.bench..", "org.apache.flink..")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule trainNeverUsesFlink = noClasses().that().resideInAPackage("io.mindstream.train..")
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.flink..", "io.mindstream.job..",
                    "io.mindstream.cli..")
            .allowEmptyShould(true)
            .because("the trainer is a batch program; it publishes bundles, it does not run in the stream");

    @ArchTest
    static final ArchRule jobDoesNotUseTrainOrCli = noClasses().that().resideInAPackage("io.mindstream.job..")
            .should().dependOnClassesThat().resideInAnyPackage("io.mindstream.train..", "io.mindstream.cli..",
                    "io.mindstream.bench..")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule nothingDependsOnTheCli = noClasses().that().resideOutsideOfPackage("io.mindstream.cli..")
            .should().dependOnClassesThat().resideInAPackage("io.mindstream.cli..");

    @ArchTest
    static final ArchRule flinkOnlyInJobCliAndBench = noClasses().that().resideOutsideOfPackages(
                    "io.mindstream.job..", "io.mindstream.cli..", "io.mindstream.bench..", "io.mindstream.testing..")
            .should().dependOnClassesThat().resideInAPackage("org.apache.flink..")
            .because("model math stays in plain Java; Flink functions are thin");

    @ArchTest
    static final ArchRule nd4jOnlyInTrainBenchAndCli = noClasses().that().resideOutsideOfPackages(
                    "io.mindstream.train..", "io.mindstream.bench..", "io.mindstream.cli..")
            .should().dependOnClassesThat().resideInAnyPackage("org.nd4j..", "org.bytedeco..")
            .because("ND4J is for training (and the benchmark baseline), never on the per-event path");

    @ArchTest
    static final ArchRule picocliOnlyInCli = noClasses().that().resideOutsideOfPackage("io.mindstream.cli..")
            .should().dependOnClassesThat().resideInAPackage("picocli..");
}
