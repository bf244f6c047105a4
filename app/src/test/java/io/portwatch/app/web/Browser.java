package io.portwatch.app.web;

import io.portwatch.testkit.Await;
import io.portwatch.testkit.Corpus;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A headless Chromium driven through chromedriver (Debian's {@code chromium} and {@code chromium-driver},
 * which {@code .ci/run} installs), for the tests of the web view and the report. Without them a test is
 * skipped, except under CI, where it fails. Screenshots go to {@code app/target/screenshots/}.
 */
final class Browser implements AutoCloseable {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    final ChromeDriver driver;

    private Browser(ChromeDriver driver) {
        this.driver = driver;
    }

    /** Starts Chromium (1400 x 1000); skips the test when Chromium or its driver is missing (fails under CI). */
    static Browser start() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (Corpus.ci()) {
            org.junit.jupiter.api.Assertions.assertTrue(present, "chromium and chromedriver are installed under CI");
        }
        assumeTrue(present, "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--window-size=1400,1000", "--allow-file-access-from-files");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        return new Browser(driver);
    }

    void open(String url) {
        driver.get(url);
    }

    /** Waits (bounded) until the page rendered its data. */
    void awaitReady() {
        Await.until(Duration.ofSeconds(30), () -> "true".equals(attribute(By.tagName("body"), "data-ready")),
                () -> "the page to render: " + logs());
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /**
     * The text of an element of a live page, which re-renders as windows close: read again when the
     * element was replaced between finding and reading it.
     */
    String text(String css) {
        String[] got = new String[1];
        Await.until(Duration.ofSeconds(10), () -> {
            try {
                got[0] = find(css).getText();
                return true;
            } catch (org.openqa.selenium.StaleElementReferenceException e) {
                return false;
            }
        }, "the text of " + css);
        return got[0];
    }

    /** An attribute of an element of a live page (read again when the element was replaced). */
    String attr(String css, String name) {
        String[] got = new String[1];
        Await.until(Duration.ofSeconds(10), () -> {
            try {
                got[0] = find(css).getAttribute(name);
                return true;
            } catch (org.openqa.selenium.StaleElementReferenceException e) {
                return false;
            }
        }, "the attribute " + name + " of " + css);
        return got[0];
    }

    /** Clicks an element of a live page (found again when it was replaced before the click). */
    void click(String css) {
        Await.until(Duration.ofSeconds(10), () -> {
            try {
                find(css).click();
                return true;
            } catch (org.openqa.selenium.StaleElementReferenceException e) {
                return false;
            }
        }, "a click on " + css);
    }

    /** Chooses an option of a select element of a live page (found again when it was replaced). */
    void select(String css, String value) {
        Await.until(Duration.ofSeconds(10), () -> {
            try {
                new org.openqa.selenium.support.ui.Select(find(css)).selectByValue(value);
                return true;
            } catch (org.openqa.selenium.StaleElementReferenceException e) {
                return false;
            }
        }, "choosing " + value + " in " + css);
    }

    boolean present(String css) {
        return !all(css).isEmpty();
    }

    String attribute(By by, String name) {
        List<WebElement> e = driver.findElements(by);
        return e.isEmpty() ? null : e.get(0).getAttribute(name);
    }

    Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    /** What the page logged (errors included), for a failure's message. */
    String logs() {
        try {
            return driver.manage().logs().get("browser").getAll().toString();
        } catch (RuntimeException e) {
            return "(no browser log: " + e.getMessage() + ")";
        }
    }

    /** Saves a screenshot as {@code app/target/screenshots/NAME.png} and returns its path. */
    Path screenshot(String name) throws IOException {
        Path dir = Path.of(System.getProperty("portwatch.root", ".."), "app", "target", "screenshots");
        Files.createDirectories(dir);
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Path to = dir.resolve(name + ".png");
        Files.copy(shot.toPath(), to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return to;
    }

    @Override
    public void close() {
        driver.quit();
    }
}
