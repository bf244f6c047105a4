package io.portwatch.app.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The files of the web view, all from the jar: sensors often have no internet, so nothing comes from a
 * CDN. The page ({@code web/index.html}, {@code portwatch.js}, {@code fleet.js}, {@code portwatch.css}) is
 * portwatch's; the chart library, uPlot (MIT licence, served beside it as {@code uPlot.LICENSE}), comes
 * from its WebJar, whose version is read from the WebJar's own Maven properties.
 */
final class Assets {

    /** An asset's bytes and content type. */
    record Asset(byte[] bytes, String type) {
        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private static final String WEBJAR_PROPERTIES = "META-INF/maven/org.webjars.npm/uplot/pom.properties";

    /** The names served under {@code /assets/}, with where each comes from. */
    private static final Map<String, String> SOURCES = Map.of(
            "portwatch.js", "web/portwatch.js",
            "fleet.js", "web/fleet.js",
            "portwatch.css", "web/portwatch.css",
            "uPlot.iife.min.js", "uplot:dist/uPlot.iife.min.js",
            "uPlot.min.css", "uplot:dist/uPlot.min.css",
            "uPlot.LICENSE", "uplot:LICENSE");

    private static final Map<String, Asset> CACHE = new ConcurrentHashMap<>();

    private Assets() {
    }

    /** The page. */
    static Asset page() {
        return load("index.html", "web/index.html");
    }

    /** An asset by its name under {@code /assets/}, or null when there is none of that name. */
    static Asset get(String name) {
        String source = SOURCES.get(name);
        return source == null ? null : load(name, source);
    }

    private static Asset load(String name, String source) {
        return CACHE.computeIfAbsent(name, n -> new Asset(read(resolve(source)), type(n)));
    }

    private static String resolve(String source) {
        return source.startsWith("uplot:")
                ? "META-INF/resources/webjars/uplot/" + uplotVersion() + "/" + source.substring("uplot:".length())
                : source;
    }

    /** The uPlot WebJar's version, from its Maven properties. */
    static String uplotVersion() {
        Properties p = new Properties();
        try (InputStream in = open(WEBJAR_PROPERTIES)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version");
    }

    private static byte[] read(String resource) {
        try (InputStream in = open(resource)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream open(String resource) throws IOException {
        InputStream in = Assets.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("the jar has no " + resource);
        }
        return in;
    }

    private static String type(String name) {
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        return "text/plain; charset=utf-8";
    }
}
