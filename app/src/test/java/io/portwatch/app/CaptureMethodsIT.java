package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.testkit.Await;
import io.portwatch.testkit.Corpus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code portwatch live --capture ring} and {@code --capture libpcap} on the same interface at once, the host
 * end of a veth pair, while tcpreplay sends corpus captures (HTTP, DNS, a SYN scan, VLAN and QinQ tags, IP
 * fragments) from the namespace at the other end: both report the same records, field for field (windows
 * with traffic, with the capture counters, port statistics, flows, services, alerts, the summary). Needs
 * root, {@code ip netns} and tcpreplay; skipped with the reason where they are missing.
 */
class CaptureMethodsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CAPTURES = List.of("http-sessions.pcap", "dns-queries.pcap",
            "nmap-syn-scan.pcap", "vlan-qinq.pcap", "ipv4-fragments.pcap");

    @TempDir
    Path tmp;

    private final String tag = Integer.toString(ThreadLocalRandom.current().nextInt(10_000, 99_999));
    private final String ns = "pwcm" + tag;
    private final String host = "pwcmh" + tag;
    private final String peer = "pwcmp" + tag;
    private boolean made;
    private final List<Process> running = new ArrayList<>();

    private static int sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    @BeforeEach
    void namespace() throws Exception {
        Process id = new ProcessBuilder("id", "-u").start();
        assumeTrue(new String(id.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim().equals("0"),
                "network namespaces need root (CI runs as root)");
        assumeTrue(onPath("tcpreplay"), "tcpreplay is not installed");
        assumeTrue(System.getProperty("os.name", "").startsWith("Linux"), "the kernel ring is Linux's");
        assumeTrue(sh("ip", "netns", "add", ns) == 0, "cannot create a network namespace here");
        made = true;
        assertEquals(0, sh("ip", "link", "add", host, "type", "veth", "peer", "name", peer));
        assertEquals(0, sh("ip", "link", "set", peer, "netns", ns));
        // no IPv6 on the pair: the kernel's own router solicitations and MLD reports would come while one
        // capture has started and the other not yet
        assertEquals(0, sh("sysctl", "-q", "-w", "net.ipv6.conf." + host + ".disable_ipv6=1"));
        assertEquals(0, sh("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf." + peer + ".disable_ipv6=1"));
        assertEquals(0, sh("ip", "link", "set", host, "up"));
        assertEquals(0, sh("ip", "netns", "exec", ns, "ip", "link", "set", peer, "up"));
        assertEquals(0, sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : running) {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (made) {
            sh("ip", "link", "del", host);
            sh("ip", "netns", "del", ns);
        }
    }

    private Process start(String method, Path out, Path err, String... more) throws IOException {
        Path jar = Path.of(System.getProperty("portwatch.root", "..")).resolve("app/target/portwatch.jar");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "live", "-i", host, "--capture", method, "--interval", "1m",
                "--format", "json", "--flows"));
        cmd.addAll(List.of(more));
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        running.add(p);
        return p;
    }

    @Test
    void theRingAndLibpcapReportTheSameRecordsOfOneReplay() throws Exception {
        Path ringErr = tmp.resolve("ring.err");
        Path pcapErr = tmp.resolve("libpcap.err");
        sameRecords(start("ring", tmp.resolve("ring.jsonl"), ringErr), tmp.resolve("ring.jsonl"), ringErr,
                start("libpcap", tmp.resolve("libpcap.jsonl"), pcapErr), tmp.resolve("libpcap.jsonl"), pcapErr,
                ", kernel ring, ", ", libpcap");
    }

    /**
     * {@code live --threads 2}: two rings in one fanout group, a thread and a flow table each, their records
     * merged, report what one ring reports of the same replay.
     */
    @Test
    void twoFanoutThreadsReportTheRecordsOfOne() throws Exception {
        Path oneErr = tmp.resolve("one.err");
        Path twoErr = tmp.resolve("two.err");
        sameRecords(start("ring", tmp.resolve("two.jsonl"), twoErr, "--threads", "2"), tmp.resolve("two.jsonl"), twoErr,
                start("ring", tmp.resolve("one.jsonl"), oneErr), tmp.resolve("one.jsonl"), oneErr,
                ", 2 threads (fanout)", ", kernel ring");
    }

    private void sameRecords(Process ring, Path ringOut, Path ringErr, Process pcap, Path pcapOut, Path pcapErr,
                             String ringSays, String pcapSays) throws Exception {
        Path corpus = Corpus.captures();
        Await.until(Duration.ofSeconds(30), () -> Files.readString(ringErr).contains("listening on")
                && Files.readString(pcapErr).contains("listening on"), "both capturing");
        assertTrue(Files.readString(ringErr).contains(ringSays), Files.readString(ringErr));
        assertTrue(Files.readString(pcapErr).contains(pcapSays), Files.readString(pcapErr));
        List<String> replay = new ArrayList<>(List.of("ip", "netns", "exec", ns, "tcpreplay", "-i", peer,
                "--pps", "20000"));
        for (String c : CAPTURES) {
            replay.add(corpus.resolve(c).toString());
        }
        // the whole replay (a third of a second) in one window, whatever the load: windows close on the clock
        // too, and a capture that lags more than the grace would count late packets in the next one
        long intoMinute = System.currentTimeMillis() % 60_000;
        if (intoMinute > 50_000) {
            Thread.sleep(60_000 - intoMinute + 500);
        }
        Process r = new ProcessBuilder(replay).redirectErrorStream(true).start();
        String said = new String(r.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(r.waitFor(60, TimeUnit.SECONDS) && r.exitValue() == 0, said);
        assertTrue(said.contains("Actual: 5563 packets"), said);
        Thread.sleep(500); // the last frames reach both; the stop closes the window
        for (Process p : List.of(ring, pcap)) {
            p.destroy();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
        }
        List<String> a = records(ringOut);
        List<String> b = records(pcapOut);
        assertTrue(a.stream().anyMatch(l -> l.contains("\"type\":\"flow\"")), "flows reported");
        long counted = 0;
        for (String l : a) {
            JsonNode n = JSON.readTree(l);
            if (n.get("type").asText().equals("window")) {
                counted += n.get("capture").get("received").asLong();
            }
        }
        assertTrue(counted >= 5563, "the ring's received counts the replay: " + counted);
        List<String> onlyRing = new ArrayList<>(a);
        onlyRing.removeAll(b);
        List<String> onlyLibpcap = new ArrayList<>(b);
        onlyLibpcap.removeAll(a);
        assertEquals(b.size(), a.size(), "as many records; the ring's alone: " + head(onlyRing)
                + "; libpcap's alone: " + head(onlyLibpcap));
        assertTrue(a.equals(b), "the same records, field for field: the ring's alone: " + head(onlyRing)
                + "; libpcap's alone: " + head(onlyLibpcap));
    }

    private static String head(List<String> l) {
        return l.size() + " " + l.stream().limit(3).map(r -> r.substring(0, Math.min(400, r.length()))).toList();
    }

    @Test
    void whereTheRingCannotCaptureLibpcapDoesAndItIsSaid() throws Exception {
        Path out = tmp.resolve("any.jsonl");
        Path err = tmp.resolve("any.err");
        Path jar = Path.of(System.getProperty("portwatch.root", "..")).resolve("app/target/portwatch.jar");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-jar", jar.toString(), "live", "-i", "any", "--interval", "1s",
                "--format", "json").redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        running.add(p);
        Await.until(Duration.ofSeconds(30), () -> Files.readString(err).contains("listening on"), "capturing");
        p.destroy();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        List<String> said = Files.readAllLines(err);
        assertEquals("portwatch: any: the kernel ring reads a single interface, not this one; capturing "
                + "with libpcap instead", said.get(0));
        assertTrue(said.get(1).startsWith("portwatch: listening on any, link-type LINUX_SLL (113), ")
                && said.get(1).endsWith(", libpcap"), said.get(1));

        Process bad = new ProcessBuilder(java, "-jar", jar.toString(), "live", "-i", "lo", "--capture", "pf_ring")
                .redirectErrorStream(true).start();
        running.add(bad);
        String text = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bad.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, bad.exitValue(), text);
        assertTrue(text.contains("--capture must be ring or libpcap: pf_ring"), text);
    }

    /** The records of a run, sorted, without the windows in which nothing was captured (their number is the run's length). */
    private static List<String> records(Path out) throws IOException {
        List<String> l = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            JsonNode n = JSON.readTree(line);
            if (n.get("type").asText().equals("window") && n.get("packets").asLong() == 0) {
                continue;
            }
            l.add(line);
        }
        Collections.sort(l);
        return l;
    }
}
