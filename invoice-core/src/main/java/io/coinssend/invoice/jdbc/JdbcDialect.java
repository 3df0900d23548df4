package io.coinssend.invoice.jdbc;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * The databases {@link JdbcInvoiceStore} speaks to, each with its DDL shipped as a resource file.
 *
 * <p>Thread-safe (an enum). {@link #ddl(String)} throws {@link IllegalArgumentException} for an invalid table prefix.
 */
public enum JdbcDialect {
  /** PostgreSQL 9.5 or newer (tested on 15). */
  POSTGRESQL("postgresql.sql"),
  /** MySQL 8 and MariaDB 10.6 or newer, InnoDB (tested on MariaDB 10.11). */
  MYSQL("mysql.sql"),
  /** H2 2.x in its default mode, embedded or in memory. */
  H2("h2.sql");

  /** The table prefix the DDL files are written with. */
  static final String FILE_PREFIX = "coinssend_";

  private final String file;

  JdbcDialect(String file) {
    this.file = file;
  }

  /** The class-path resource holding this dialect's DDL, for example {@code io/coinssend/invoice/jdbc/h2.sql}. */
  public String ddlResource() {
    return "io/coinssend/invoice/jdbc/" + file;
  }

  /**
   * This dialect's DDL with every table, index and constraint name using {@code tablePrefix} instead of the files'
   * {@code coinssend_}. Every statement is idempotent ({@code IF NOT EXISTS}).
   *
   * @throws IllegalArgumentException if the prefix is not 0-30 lower-case letters, digits or {@code _} starting with a
   *     letter
   */
  public String ddl(String tablePrefix) {
    JdbcInvoiceStore.checkTablePrefix(tablePrefix);
    try (InputStream in = JdbcDialect.class.getClassLoader().getResourceAsStream(ddlResource())) {
      if (in == null) {
        throw new IllegalStateException("the DDL resource " + ddlResource() + " is missing from the class path");
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return text.replace(FILE_PREFIX, tablePrefix);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + ddlResource(), e);
    }
  }

  /**
   * The dialect of a database product, as {@link java.sql.DatabaseMetaData#getDatabaseProductName()} names it
   * ({@code PostgreSQL}, {@code MySQL}, {@code MariaDB}, {@code H2}).
   */
  public static Optional<JdbcDialect> fromProductName(String productName) {
    requireNonNull(productName, "productName");
    String name = productName.toLowerCase(Locale.ROOT);
    if (name.contains("postgresql")) {
      return Optional.of(POSTGRESQL);
    }
    if (name.contains("mysql") || name.contains("mariadb")) {
      return Optional.of(MYSQL);
    }
    if (name.equals("h2")) {
      return Optional.of(H2);
    }
    return Optional.empty();
  }
}
