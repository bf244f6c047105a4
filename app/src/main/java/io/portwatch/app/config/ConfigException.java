package io.portwatch.app.config;

/** A configuration file that cannot be used, with a one-line message naming the file, the key and why. */
public final class ConfigException extends Exception {

    public ConfigException(String message) {
        super(message);
    }
}
