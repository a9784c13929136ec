package io.onceflow.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The dashboard in a real browser: Debian's headless Chromium, driven by its own chromedriver through Selenium (no
 * driver download). It sees the throughput and the audit's figures move, presses the crash button, sees the pipeline
 * come back with the audit still exact, and saves a screenshot as {@code target/dashboard.png}.
 *
 * <p>Skipped (an assumption, not a failure) where {@code /usr/bin/chromium} or {@code /usr/bin/chromedriver} is
 * missing; {@code .ci/run} installs both.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"onceflow.demo.crash-enabled=true", "onceflow.demo.generator.rate=150"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class DashboardBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOT = Path.of("target", "dashboard.png");

    @LocalServerPort
    int port;

    @Test
    void theDashboardShowsTheLedgerMovingAndACrashRecovered() throws Exception {
        assumeTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
        Path profile = Files.createTempDirectory(Path.of("target"), "chromium-");
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments(
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--window-size=1500,1000",
                        "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        WebDriver browser = new ChromeDriver(service, options);
        try {
            browser.get("http://127.0.0.1:" + port + "/");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));

            wait.until(page -> number(page, "throughput") > 0);
            long entries = number(browser, "ledger-entries");
            long accepted = number(browser, "payments-accepted");
            wait.until(
                    page -> number(page, "ledger-entries") > entries && number(page, "payments-accepted") > accepted);
            assertThat(text(browser, "state")).isEqualTo("RUNNING");
            assertThat(text(browser, "verdict")).contains("EXACT");

            browser.findElement(By.id("crash")).click();
            wait.until(page -> text(page, "log").contains("crash 1"));
            wait.until(page -> text(page, "state").equals("RUNNING")
                    && text(page, "crashes").startsWith("1 "));
            long afterCrash = number(browser, "ledger-entries");
            wait.until(page -> number(page, "ledger-entries") > afterCrash);
            assertThat(text(browser, "verdict")).contains("EXACT").doesNotContain("BROKEN");
            assertThat(text(browser, "check-duplicates")).startsWith("0");

            // a few more checkpoints after the crash marker, for a screenshot worth looking at (the chart's count stops
            // growing at its width, the last checkpoint's id does not)
            assertThat(number(browser, "chart-count")).isPositive();
            long shown = number(browser, "checkpoint");
            wait.until(page -> number(page, "checkpoint") >= shown + 12);
            File shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
            assertThat(Files.size(SCREENSHOT)).isGreaterThan(10_000);
        } finally {
            browser.quit();
            service.stop();
        }
    }

    private static String text(WebDriver page, String id) {
        return page.findElement(By.id(id)).getText().trim();
    }

    private static long number(WebDriver page, String id) {
        String digits = text(page, id).replaceAll("[^0-9]", "");
        return digits.isEmpty() ? 0 : Long.parseLong(digits);
    }
}
