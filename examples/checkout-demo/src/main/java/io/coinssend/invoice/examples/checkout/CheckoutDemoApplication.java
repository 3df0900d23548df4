package io.coinssend.invoice.examples.checkout;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;

/** Starts the checkout demo and prints the address to open. */
@SpringBootApplication
public class CheckoutDemoApplication {

  public static void main(String[] args) {
    SpringApplication.run(CheckoutDemoApplication.class, args);
  }

  @EventListener
  public void ready(ApplicationReadyEvent event) {
    int port = ((WebServerApplicationContext) event.getApplicationContext()).getWebServer().getPort();
    // An example application may print: this line is what the README's run command promises.
    System.out.println();
    System.out.println("CoinsSend checkout demo is running: open http://localhost:" + port + "/");
    System.out.println("(simulated chain, in-memory store; the developer panel plays the customer and the chain)");
    System.out.println();
  }
}
