package io.portwatch.analysis.detect;

/**
 * A port policy or service baseline file cannot be used. The message is one line for a user that
 * names the file, the line when there is one, and the problem, as compilers do:
 * {@code policy.txt:7: port 70000 out of range (0-65535)} or {@code policy.txt: cannot read: no such file}.
 */
public class PolicyException extends Exception {

    private final String file;
    private final int line;
    private final String problem;

    /**
     * @param file    the file as the user named it
     * @param line    1-based line number, or 0 when the problem is not on one line
     * @param problem what is wrong, without the file name
     */
    public PolicyException(String file, int line, String problem) {
        super(line > 0 ? file + ":" + line + ": " + problem : file + ": " + problem);
        this.file = file;
        this.line = line;
        this.problem = problem;
    }

    public String file() {
        return file;
    }

    /** 1-based line number, or 0. */
    public int line() {
        return line;
    }

    public String problem() {
        return problem;
    }
}
