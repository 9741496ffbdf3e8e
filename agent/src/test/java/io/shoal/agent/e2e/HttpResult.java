package io.shoal.agent.e2e;

/**
 * What one {@code curl} from a client namespace got.
 *
 * @param status the HTTP status, 0 when no answer came (refused, reset, timed out)
 * @param body the body ("" when none)
 * @param error curl's error text when it failed, else ""
 */
public record HttpResult(int status, String body, String error) {
    /** True for a 2xx answer. */
    public boolean ok() {
        return status >= 200 && status < 300;
    }

    /** Parses the output of {@code curl -sS -w '\n%{http_code}'} and curl's standard error. */
    static HttpResult fromCurl(int exitCode, String stdout, String stderr) {
        int nl = stdout.lastIndexOf('\n');
        String codeText = (nl >= 0 ? stdout.substring(nl + 1) : stdout).strip();
        String body = nl >= 0 ? stdout.substring(0, nl) : "";
        int status;
        try {
            status = Integer.parseInt(codeText);
        } catch (NumberFormatException e) {
            status = 0;
        }
        String error = exitCode == 0 ? "" : "curl exit " + exitCode + ": " + stderr.strip();
        return new HttpResult(status, body, error);
    }

    @Override
    public String toString() {
        return status == 0 ? "no answer (" + error + ")" : status + " " + body.strip();
    }
}
