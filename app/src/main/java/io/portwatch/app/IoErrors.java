package io.portwatch.app;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * The reason of a failed file operation in a few words, for a one-line error that names the file itself:
 * the JDK's {@link FileSystemException}s carry only the path as their message ("cannot write x: x.tmp").
 */
public final class IoErrors {

    private IoErrors() {
    }

    /** "no such file or directory", "permission denied", the file system's reason, or the message. */
    public static String reason(Exception e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return String.valueOf(e.getMessage());
    }
}
