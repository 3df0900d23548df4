package io.coinssend.invoice.examples.checkout;

import static org.assertj.core.api.Assertions.assertThat;

import io.coinssend.invoice.testkit.ExternalServices;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The checkout in a real headless Chromium: create an order, see the checkout page with its QR code, pay less then
 * top up through the developer panel, watch the page reach PAID and the order turn paid. Saves a screenshot of the
 * checkout page to target/screenshots/checkout.png (copied to docs/ for the README).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CheckoutBrowserIT {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @LocalServerPort
  private int port;

  private WebDriver browser;
  private WebDriverWait wait;

  @BeforeEach
  void openBrowser() {
    ExternalServices.require(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "Debian's chromium and chromium-driver are not installed (run .ci/setup/30-chromium.sh)");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-dev-shm-usage", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--window-size=1280,1100");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    wait = new WebDriverWait(browser, Duration.ofSeconds(20));
  }

  @AfterEach
  void closeBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  private String url(String path) {
    return "http://localhost:" + port + path;
  }

  private void click(String id) {
    wait.until(ExpectedConditions.elementToBeClickable(By.id(id))).click();
  }

  private void awaitStatus(String status) {
    wait.until(ExpectedConditions.attributeToBe(By.id("status"), "data-status", status));
  }

  @Test
  void aCustomerPaysLessThenTopsUpAndTheOrderTurnsPaid() throws Exception {
    browser.get(url("/"));
    WebElement amount = browser.findElement(By.id("amount"));
    amount.clear();
    amount.sendKeys("0.002");
    browser.findElement(By.id("description")).clear();
    browser.findElement(By.id("description")).sendKeys("Espresso machine");
    click("create-order");

    wait.until(ExpectedConditions.urlContains("/checkout.html?invoice="));
    awaitStatus("NEW");
    assertThat(browser.findElement(By.id("network")).getText()).isEqualTo("bitcoin regtest");
    assertThat(browser.findElement(By.id("amount")).getText()).isEqualTo("0.002 BTC");
    assertThat(browser.findElement(By.id("address")).getText()).startsWith("sim1q");
    assertThat(browser.findElement(By.id("uri")).getText()).startsWith("bitcoin:").contains("amount=0.002");
    WebElement qr = browser.findElement(By.id("qr-image"));
    wait.until(d -> (Boolean) ((JavascriptExecutor) d).executeScript(
        "return arguments[0].complete && arguments[0].naturalWidth > 0", qr));
    assertThat(browser.findElement(By.id("countdown")).getText()).matches("1[45]:\\d\\d");
    assertThat(browser.findElement(By.id("dev")).isDisplayed()).isTrue();

    click("pay-less");
    awaitStatus("PARTIALLY_PAID");
    assertThat(browser.findElement(By.id("message")).getText()).contains("top up the remaining 0.001 BTC");
    click("mine");
    click("pay-remaining");
    awaitStatus("PENDING");
    assertThat(browser.findElement(By.id("message")).getText()).contains("Payment detected");
    click("mine");
    awaitStatus("PAID");
    assertThat(browser.findElement(By.id("message")).getText()).contains("Paid. Thank you");

    ((JavascriptExecutor) browser).executeScript("window.scrollTo(0, 0)");
    File shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
    Path target = Path.of("target", "screenshots", "checkout.png");
    Files.createDirectories(target.getParent());
    Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);

    String orderId = browser.findElement(By.id("title")).getText().replaceAll(".*· ", "");
    browser.get(url("/orders.html"));
    By row = By.cssSelector("tr[data-order='" + orderId + "'] td.state");
    wait.until(ExpectedConditions.textToBe(row, "paid"));
  }

  @Test
  void aCustomerWalletShowsItsDepositAddressAndDeposits() {
    browser.get(url("/wallet.html"));
    WebElement customer = browser.findElement(By.id("customer"));
    customer.clear();
    customer.sendKeys("customer-77");
    click("open-wallet");
    wait.until(ExpectedConditions.textMatches(By.id("address"), java.util.regex.Pattern.compile("^sim1d.+")));
    String address = browser.findElement(By.id("address")).getText();
    assertThat(browser.findElement(By.id("network")).getText()).isEqualTo("bitcoin regtest");
    assertThat(browser.findElement(By.cssSelector("#qr svg"))).isNotNull();

    WebElement amount = browser.findElement(By.id("dev-amount"));
    amount.clear();
    amount.sendKeys("0.004");
    click("send-deposit");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("deposits"), "detected"));
    click("mine");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("deposits"), "confirmed"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("totals"), "0.004 BTC confirmed"));

    browser.navigate().refresh();
    customer = browser.findElement(By.id("customer"));
    customer.clear();
    customer.sendKeys("customer-77");
    click("open-wallet");
    wait.until(ExpectedConditions.textToBe(By.id("address"), address));
  }
}
