package io.portwatch.app;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.portwatch.analysis.crossing.CrossingImport;
import io.portwatch.capture.crossing.CrossingLibpcapImport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The modules keep to their jobs, and the arrows between them go down only (app, then analysis, then
 * capture): capture is packets in and knows nothing of what is made of them; analysis is pure Java,
 * without libpcap, JNA, Kafka, Micrometer or the command line. Inside capture, libpcap (pcap4j and JNA)
 * is the package {@code io.portwatch.capture.libpcap} alone (with {@code .ring}, the kernel ring, which
 * uses JNA and libpcap's compiler), and the pure-Java core (readers, decoding,
 * flows, the BPF interpreter) never reaches into it, so that reading with the Java reader needs no JNA;
 * only app uses both. Checked on the main classes of every module; {@link #theRulesCatchACrossingImport}
 * and {@link #theLibpcapRulesCatchACrossingImport} show the rules failing on a class that crosses.
 */
class ArchitectureTest {

    private static JavaClasses main;

    static final ArchRule CAPTURE_KNOWS_NOTHING_ABOVE = noClasses().that().resideInAPackage("io.portwatch.capture..")
            .should().dependOnClassesThat().resideInAnyPackage("io.portwatch.analysis..", "io.portwatch.app..")
            .because("capture is packets in: readers, libpcap, decoding, flows");

    static final ArchRule ANALYSIS_IS_PURE = noClasses().that().resideInAPackage("io.portwatch.analysis..")
            .should().dependOnClassesThat().resideInAnyPackage("org.pcap4j..", "com.sun.jna..", "org.apache.kafka..",
                    "io.micrometer..", "picocli..", "io.portwatch.app..")
            .because("analysis turns flows and packets into statistics and detections, with no I/O");

    static final ArchRule ONLY_LIBPCAP_USES_JNA = noClasses().that()
            .resideOutsideOfPackages("io.portwatch.capture.libpcap..", "io.portwatch.capture.ring..")
            .should().dependOnClassesThat().resideInAnyPackage("org.pcap4j..", "com.sun.jna..")
            .because("libpcap and JNA are the packages io.portwatch.capture.libpcap and .ring (the kernel ring) alone");

    static final ArchRule CAPTURE_CORE_NEEDS_NO_LIBPCAP = noClasses().that()
            .resideInAnyPackage("io.portwatch.capture..", "io.portwatch.analysis..")
            .and().resideOutsideOfPackages("io.portwatch.capture.libpcap..", "io.portwatch.capture.ring..")
            .should().dependOnClassesThat().resideInAnyPackage("io.portwatch.capture.libpcap..",
                    "io.portwatch.capture.ring..")
            .because("the pure-Java core (readers, decoding, flows, the BPF interpreter) runs without JNA; "
                    + "only app chooses libpcap");

    @BeforeAll
    static void importMain() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.portwatch");
        assertTrue(main.stream().anyMatch(c -> c.getPackageName().startsWith("io.portwatch.capture")), "capture's classes");
        assertTrue(main.stream().anyMatch(c -> c.getPackageName().startsWith("io.portwatch.analysis")),
                "analysis's classes");
    }

    @Test
    void captureKnowsNothingAboveIt() {
        CAPTURE_KNOWS_NOTHING_ABOVE.check(main);
    }

    @Test
    void analysisIsPureJava() {
        ANALYSIS_IS_PURE.check(main);
    }

    @Test
    void onlyTheLibpcapPackageUsesJna() {
        ONLY_LIBPCAP_USES_JNA.check(main);
    }

    @Test
    void captureCoreNeedsNoLibpcap() {
        CAPTURE_CORE_NEEDS_NO_LIBPCAP.check(main);
    }

    @Test
    void theLibpcapRulesCatchACrossingImport() {
        JavaClasses crossing = new ClassFileImporter().importClasses(CrossingLibpcapImport.class);
        EvaluationResult jna = ONLY_LIBPCAP_USES_JNA.evaluate(crossing);
        assertTrue(jna.hasViolation(), "a class of capture's core that uses JNA breaks the rule");
        assertTrue(jna.getFailureReport().toString().contains("com.sun.jna.Native"),
                jna.getFailureReport().toString());
        EvaluationResult core = CAPTURE_CORE_NEEDS_NO_LIBPCAP.evaluate(crossing);
        assertTrue(core.hasViolation(), "a class of capture's core that uses the libpcap package breaks the rule");
        assertTrue(core.getFailureReport().toString().contains("io.portwatch.capture.libpcap.Libpcap"),
                core.getFailureReport().toString());
    }

    @Test
    void theRulesCatchACrossingImport() {
        JavaClasses crossing = new ClassFileImporter().importClasses(CrossingImport.class);
        EvaluationResult r = ANALYSIS_IS_PURE.evaluate(crossing);
        assertTrue(r.hasViolation(), "a class of analysis that uses Kafka breaks the rule");
        assertTrue(r.getFailureReport().toString().contains("org.apache.kafka"), r.getFailureReport().toString());
    }
}
