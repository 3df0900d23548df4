package io.coinssend.invoice.jdbc.internal;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.jdbc.JdbcDialect;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The SQL of the JDBC store for one dialect and table prefix, and the few places where the dialects bind or read a
 * value differently. Immutable and thread-safe.
 */
public final class Statements {

  /** The counter row from which event log positions are handed out. */
  public static final String EVENT_COUNTER = "event_position";
  /** The counter row from which deposit address positions are handed out. */
  public static final String DEPOSIT_ADDRESS_COUNTER = "deposit_address_position";

  private final JdbcDialect dialect;

  public final String invoiceTable;
  public final String eventTable;
  public final String counterTable;
  public final String indexTable;
  public final String tipTable;
  public final String cursorTable;
  public final String consumerTable;
  public final String depositAddressTable;
  public final String depositTable;
  public final String leaseTable;

  public final String insertInvoice;
  public final String updateInvoice;
  public final String updateInvoiceChecked;
  public final String selectDocumentById;
  public final String selectDocumentByOrderId;
  public final String selectDocumentByAddress;
  public final String selectIdById;
  public final String selectIdByOrderId;
  public final String selectIdByAddress;
  public final String insertEvent;
  /**
   * PostgreSQL only, {@code null} elsewhere: the event counter advanced and the events inserted at the positions it
   * hands out, in one statement (one round trip instead of two). The events come as parallel arrays; each document
   * comes in two parts, before and after its position.
   */
  public final String appendEvents;
  /**
   * PostgreSQL only, {@code null} elsewhere: a new invoice inserted unless its address is a deposit address, and, if
   * it was, its events appended as {@link #appendEvents} does, in one statement. Parameters: those of
   * {@link #insertInvoice}, the address again, then those of {@link #appendEvents}. Returns one row: the invoice rows
   * inserted (0 or 1) and the events inserted.
   */
  public final String insertInvoiceWithEvents;
  /**
   * PostgreSQL only, {@code null} elsewhere: {@link #updateInvoiceChecked} and, if it wrote the row, the events
   * appended as {@link #appendEvents} does, in one statement. Parameters: those of {@code updateInvoiceChecked}, then
   * those of {@code appendEvents}. Returns one row: the invoice rows updated (0 or 1) and the events inserted.
   */
  public final String updateInvoiceWithEvents;
  /**
   * PostgreSQL only, {@code null} elsewhere: the chain tip saved if no tip of its chain is stored or the stored one is
   * an earlier observation, then {@link #updateInvoiceWithEvents}, in one statement. The tip's row is locked first,
   * as when it is saved before the update with separate statements. Parameters: chain, height, hash, time and fact
   * sequence of the tip, then those of {@code updateInvoiceWithEvents}. Returns what that returns.
   */
  public final String updateInvoiceWithEventsAndTip;
  public final String selectEventsAfter;
  public final String selectCounter;
  public final String selectCounterForUpdate;
  public final String updateCounterTo;
  public final String addToCounterReturning;
  public final String upsertIndexReturning;
  /**
   * PostgreSQL: a new invoice and its events at an expected derivation index, taking the index, in one statement
   * (parameters: order id, derivation key, expected index, address, the 13 columns of the invoice, the 11 of the
   * counter step and events, the derivation key); null elsewhere. Answers the invoice rows written, the events
   * appended, the index row's value as the statement found it, and the order's invoice document if it has one.
   */
  public final String insertInvoiceAtExpectedIndex;
  /**
   * PostgreSQL: the document of the order id's invoice (column 2), or, if there is none, the next index taken as
   * {@link #upsertIndexReturning} takes it (column 1: the new next index); null elsewhere.
   */
  public final String upsertIndexUnlessOrdered;
  public final String incrementIndex;
  public final String insertIndex;
  public final String selectIndex;
  public final String selectTip;
  public final String selectChainState;
  public final String insertTip;
  public final String updateTipIfLater;
  public final String addToIndexReturning;
  public final String addToIndex;
  public final String insertIndexValue;
  public final String selectCursor;
  public final String upsertCursor;
  public final String selectConsumer;
  public final String updateConsumer;
  public final String insertConsumer;
  public final String takeLease;
  public final String insertLease;
  public final String releaseLease;
  public final String insertDepositAddress;
  public final String selectDepositAddressByCustomer;
  public final String selectDepositAddressByAddress;
  public final String selectDepositAddressesFrom;
  public final String insertDeposit;
  public final String updateDeposit;
  public final String selectDepositById;
  public final String selectVersionOfDeposit;

  public Statements(JdbcDialect dialect, String prefix) {
    this.dialect = requireNonNull(dialect, "dialect");
    requireNonNull(prefix, "prefix");
    invoiceTable = prefix + "invoice";
    eventTable = prefix + "event";
    counterTable = prefix + "counter";
    indexTable = prefix + "derivation_index";
    tipTable = prefix + "chain_tip";
    cursorTable = prefix + "chain_cursor";
    consumerTable = prefix + "consumer";
    depositAddressTable = prefix + "deposit_address";
    depositTable = prefix + "deposit";
    leaseTable = prefix + "lease";

    insertInvoice = "INSERT INTO " + invoiceTable + " (id, order_id, address, chain, asset_code, amount_due, status,"
        + " version, awaiting_confirmations, watch_until, next_review_at, created_at, document)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    updateInvoice = "UPDATE " + invoiceTable + " SET status = ?, version = ?, awaiting_confirmations = ?,"
        + " watch_until = ?, next_review_at = ?, document = ? WHERE id = ? AND version = ?";
    updateInvoiceChecked = updateInvoice + " AND order_id = ? AND address = ?";
    selectDocumentById = "SELECT document FROM " + invoiceTable + " WHERE id = ?";
    selectDocumentByOrderId = "SELECT document FROM " + invoiceTable + " WHERE order_id = ?";
    selectDocumentByAddress = "SELECT document FROM " + invoiceTable + " WHERE address = ?";
    selectIdById = "SELECT id FROM " + invoiceTable + " WHERE id = ?";
    selectIdByOrderId = "SELECT id FROM " + invoiceTable + " WHERE order_id = ?";
    selectIdByAddress = "SELECT id FROM " + invoiceTable + " WHERE address = ?";

    insertEvent = "INSERT INTO " + eventTable + " (log_position, event_id, event_type, invoice_id, invoice_version,"
        + " created_at, document) VALUES (?, ?, ?, ?, ?, ?, ?)";
    // The events at the positions the counter step c hands out: the last part of appendEvents and of the writes
    // with events below.
    String eventsAtCounter = " INSERT INTO " + eventTable + " (log_position, event_id, event_type, invoice_id,"
        + " invoice_version, created_at, document)"
        + " SELECT c.counter_value - ? + e.n, e.event_id, e.event_type, e.invoice_id, e.invoice_version,"
        + " e.created_at::timestamptz, e.head || (c.counter_value - ? + e.n) || e.tail"
        + " FROM c CROSS JOIN unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[])"
        + " WITH ORDINALITY AS e(event_id, event_type, invoice_id, invoice_version, created_at, head, tail, n)";
    String counterStep = "UPDATE " + counterTable + " SET counter_value = counter_value + ? WHERE counter_name = ?";
    boolean postgres = dialect == JdbcDialect.POSTGRESQL;
    appendEvents = !postgres ? null : "WITH c AS (" + counterStep + " RETURNING counter_value)" + eventsAtCounter;
    // The write w runs before the counter step (whose condition reads it), so the invoice row is locked before the
    // counter row, as with separate statements; the counter moves only if w wrote a row.
    String withEvents = " RETURNING 1), c AS (" + counterStep + " AND EXISTS (SELECT 1 FROM w)"
        + " RETURNING counter_value),"
        + " appended AS (" + eventsAtCounter + " RETURNING 1)"
        + " SELECT (SELECT count(*) FROM w), (SELECT count(*) FROM appended)";
    insertInvoiceWithEvents = !postgres ? null : "WITH w AS (INSERT INTO " + invoiceTable + " (id, order_id, address,"
        + " chain, asset_code, amount_due, status, version, awaiting_confirmations, watch_until, next_review_at,"
        + " created_at, document) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM "
        + depositAddressTable + " WHERE address = ?)" + withEvents;
    // A creation at the index its caller expects, in one statement: the index row moves from that index to the next
    // only if it holds it, the order id has no invoice and the address is no deposit address; the invoice is inserted
    // only if the index moved, and the events only if it was. The answer adds the index row's value as this statement
    // found it (the index to expect next time, if it was not the one expected) and the order's invoice, if any.
    insertInvoiceAtExpectedIndex = !postgres ? null : "WITH o AS (SELECT document FROM " + invoiceTable
        + " WHERE order_id = ?), i AS (UPDATE " + indexTable + " SET next_index = next_index + 1"
        + " WHERE derivation_key = ? AND next_index = ? AND NOT EXISTS (SELECT 1 FROM o)"
        + " AND NOT EXISTS (SELECT 1 FROM " + depositAddressTable + " WHERE address = ?) RETURNING 1),"
        + " w AS (INSERT INTO " + invoiceTable + " (id, order_id, address, chain, asset_code, amount_due, status,"
        + " version, awaiting_confirmations, watch_until, next_review_at, created_at, document)"
        + " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM i)" + withEvents
        + ", (SELECT next_index FROM " + indexTable + " WHERE derivation_key = ?), (SELECT document FROM o)";
    updateInvoiceWithEvents = !postgres ? null : "WITH w AS (" + updateInvoiceChecked + withEvents;
    // The update's condition reads the tip's CTE, so the tip is saved (its row locked) before the invoice's row.
    updateInvoiceWithEventsAndTip = !postgres ? null : "WITH tip AS (INSERT INTO " + tipTable + " AS old (chain,"
        + " tip_height, tip_hash, tip_time, fact_sequence) VALUES (?, ?, ?, ?, ?) ON CONFLICT (chain) DO UPDATE SET"
        + " tip_height = EXCLUDED.tip_height, tip_hash = EXCLUDED.tip_hash, tip_time = EXCLUDED.tip_time,"
        + " fact_sequence = EXCLUDED.fact_sequence WHERE old.fact_sequence < EXCLUDED.fact_sequence RETURNING 1),"
        + " w AS (" + updateInvoiceChecked + " AND (SELECT count(*) FROM tip) >= 0" + withEvents;
    selectEventsAfter = "SELECT log_position, document FROM " + eventTable
        + " WHERE log_position > ? ORDER BY log_position LIMIT ?";

    selectCounter = "SELECT counter_value FROM " + counterTable + " WHERE counter_name = ?";
    selectCounterForUpdate = selectCounter + " FOR UPDATE";
    updateCounterTo = "UPDATE " + counterTable + " SET counter_value = ? WHERE counter_name = ?";
    addToCounterReturning = "UPDATE " + counterTable + " SET counter_value = counter_value + ?"
        + " WHERE counter_name = ? RETURNING counter_value";

    upsertIndexReturning = "INSERT INTO " + indexTable + " AS t (derivation_key, next_index) VALUES (?, ?)"
        + " ON CONFLICT (derivation_key) DO UPDATE SET next_index = t.next_index + ? RETURNING next_index";
    upsertIndexUnlessOrdered = !postgres ? null : "WITH o AS (SELECT document FROM " + invoiceTable
        + " WHERE order_id = ?), i AS (INSERT INTO " + indexTable + " AS t (derivation_key, next_index)"
        + " SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM o)"
        + " ON CONFLICT (derivation_key) DO UPDATE SET next_index = t.next_index + ? RETURNING next_index)"
        + " SELECT (SELECT next_index FROM i), (SELECT document FROM o)";
    incrementIndex = "UPDATE " + indexTable + " SET next_index = next_index + ? WHERE derivation_key = ?";
    insertIndex = "INSERT INTO " + indexTable + " (derivation_key, next_index) VALUES (?, ?)";
    selectIndex = "SELECT next_index FROM " + indexTable + " WHERE derivation_key = ?";

    selectTip = "SELECT tip_height, tip_hash, tip_time, fact_sequence FROM " + tipTable + " WHERE chain = ?";
    // The tip row (kind 0) and the chain's fact-number counter row (kind 1) in one round trip.
    selectChainState = "SELECT tip_height, tip_hash, tip_time, fact_sequence, 0 FROM " + tipTable + " WHERE chain = ?"
        + " UNION ALL SELECT next_index, NULL, NULL, NULL, 1 FROM " + indexTable + " WHERE derivation_key = ?";
    insertTip = "INSERT INTO " + tipTable + " (chain, tip_height, tip_hash, tip_time, fact_sequence)"
        + " VALUES (?, ?, ?, ?, ?)";
    updateTipIfLater = "UPDATE " + tipTable + " SET tip_height = ?, tip_hash = ?, tip_time = ?, fact_sequence = ?"
        + " WHERE chain = ? AND fact_sequence < ?";
    addToIndexReturning = "INSERT INTO " + indexTable + " AS t (derivation_key, next_index) VALUES (?, ?)"
        + " ON CONFLICT (derivation_key) DO UPDATE SET next_index = t.next_index + EXCLUDED.next_index"
        + " RETURNING next_index";
    addToIndex = "UPDATE " + indexTable + " SET next_index = next_index + ? WHERE derivation_key = ?";
    insertIndexValue = "INSERT INTO " + indexTable + " (derivation_key, next_index) VALUES (?, ?)";
    selectCursor = "SELECT cursor_data FROM " + cursorTable + " WHERE chain = ?";
    upsertCursor = upsert(cursorTable, "chain", List.of("cursor_data"));

    selectConsumer = "SELECT log_position FROM " + consumerTable + " WHERE consumer_name = ?";
    updateConsumer = "UPDATE " + consumerTable + " SET log_position = ? WHERE consumer_name = ? AND log_position = ?";
    insertConsumer = "INSERT INTO " + consumerTable + " (consumer_name, log_position) VALUES (?, ?)";

    takeLease = "UPDATE " + leaseTable + " SET owner = ?, held_until = ? WHERE lease_name = ? AND (owner = ?"
        + " OR held_until < ?)";
    insertLease = "INSERT INTO " + leaseTable + " (lease_name, owner, held_until) VALUES (?, ?, ?)";
    releaseLease = "DELETE FROM " + leaseTable + " WHERE lease_name = ? AND owner = ?";
    insertDepositAddress = "INSERT INTO " + depositAddressTable + " (position, customer_id, asset_key, address,"
        + " document) VALUES (?, ?, ?, ?, ?)";
    selectDepositAddressByCustomer = "SELECT document FROM " + depositAddressTable
        + " WHERE customer_id = ? AND asset_key = ?";
    selectDepositAddressByAddress = "SELECT document FROM " + depositAddressTable + " WHERE address = ?";
    selectDepositAddressesFrom = "SELECT document FROM " + depositAddressTable
        + " WHERE position > ? ORDER BY position LIMIT ?";
    insertDeposit = "INSERT INTO " + depositTable + " (id, customer_id, address, chain, status, version, document)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?)";
    updateDeposit = "UPDATE " + depositTable + " SET status = ?, version = ?, document = ? WHERE id = ? AND version = ?";
    selectDepositById = "SELECT document FROM " + depositTable + " WHERE id = ?";
    selectVersionOfDeposit = "SELECT version FROM " + depositTable + " WHERE id = ?";
  }

  /** Like {@link #selectEventsAfter}, of one of {@code count} event types (codes) only. */
  public String selectEventsOfTypesAfter(int count) {
    return "SELECT log_position, document FROM " + eventTable + " WHERE log_position > ? AND event_type IN ("
        + marks(count) + ") ORDER BY log_position LIMIT ?";
  }

  /** The invoices whose address is one of {@code count} addresses. */
  public String selectDocumentsByAddresses(int count) {
    return "SELECT address, document FROM " + invoiceTable + " WHERE address IN (" + marks(count) + ")";
  }

  /**
   * PostgreSQL: the rows of {@link #selectChainState} (kinds 0 and 1, in the columns it gives them), as kind 2 the
   * address (column 2) and document (column 6) of the invoices of {@code count} addresses (none if 0) and, if
   * {@code awaiting}, as kind 3 the id (column 2) and document of the chain's first invoices awaiting confirmations
   * in id order (parameters after the addresses: the chain, the limit), in one query.
   */
  public String selectChainStateAndInvoices(int count, boolean awaiting) {
    return "SELECT tip_height, tip_hash, tip_time, fact_sequence, 0, NULL FROM " + tipTable + " WHERE chain = ?"
        + " UNION ALL SELECT next_index, NULL, NULL, NULL, 1, NULL FROM " + indexTable + " WHERE derivation_key = ?"
        + (count == 0 ? "" : " UNION ALL SELECT NULL, address, NULL, NULL, 2, document FROM " + invoiceTable
            + " WHERE address IN (" + marks(count) + ")")
        + (!awaiting ? "" : " UNION ALL (SELECT NULL, id, NULL, NULL, 3, document FROM " + invoiceTable
            + " WHERE chain = ? AND awaiting_confirmations = TRUE ORDER BY id LIMIT ?)");
  }

  /** A page of deposits in id order, with conditions appended by the caller (the store filters exactly after). */
  public String selectDepositsWhere(String conditions) {
    return "SELECT id, document FROM " + depositTable + (conditions.isEmpty() ? "" : " WHERE " + conditions)
        + " ORDER BY id LIMIT ?";
  }

  /** An insert-or-replace of one row by its key column, in this dialect. */
  private String upsert(String table, String key, List<String> columns) {
    List<String> all = new ArrayList<>();
    all.add(key);
    all.addAll(columns);
    String names = String.join(", ", all);
    String marks = String.join(", ", Collections.nCopies(all.size(), "?"));
    return switch (dialect) {
      case POSTGRESQL -> "INSERT INTO " + table + " (" + names + ") VALUES (" + marks + ") ON CONFLICT (" + key
          + ") DO UPDATE SET " + String.join(", ", columns.stream().map(c -> c + " = EXCLUDED." + c).toList());
      case MYSQL -> "INSERT INTO " + table + " (" + names + ") VALUES (" + marks + ") ON DUPLICATE KEY UPDATE "
          + String.join(", ", columns.stream().map(c -> c + " = VALUES(" + c + ")").toList());
      case H2 -> "MERGE INTO " + table + " (" + names + ") KEY (" + key + ") VALUES (" + marks + ")";
    };
  }

  /** {@code ?, ?, ?} for {@code count} parameters. */
  public static String marks(int count) {
    return String.join(", ", Collections.nCopies(count, "?"));
  }

  /** Whether one statement can add to the event counter and return the new value. */
  public boolean counterReturns() {
    return dialect == JdbcDialect.POSTGRESQL;
  }

  /** Whether one statement can allocate a derivation index and return it. */
  public boolean indexUpsertReturns() {
    return dialect == JdbcDialect.POSTGRESQL;
  }

  /**
   * Binds a time for a millisecond timestamp column. The time is floored to the millisecond first, so every dialect
   * stores the same value (PostgreSQL would round, MariaDB truncate); queries account for the flooring.
   */
  public void bindTime(PreparedStatement statement, int index, Instant time) throws SQLException {
    if (time == null) {
      statement.setNull(index, dialect == JdbcDialect.MYSQL ? Types.TIMESTAMP : Types.TIMESTAMP_WITH_TIMEZONE);
      return;
    }
    Instant floored = time.truncatedTo(ChronoUnit.MILLIS);
    if (dialect == JdbcDialect.MYSQL) {
      // DATETIME has no zone; the store keeps UTC.
      statement.setObject(index, LocalDateTime.ofInstant(floored, ZoneOffset.UTC));
    } else {
      statement.setObject(index, OffsetDateTime.ofInstant(floored, ZoneOffset.UTC));
    }
  }

  /** Binds an amount in base units, exactly (a NUMERIC or DECIMAL column with scale 0). */
  public void bindAmount(PreparedStatement statement, int index, BigInteger units) throws SQLException {
    statement.setBigDecimal(index, new BigDecimal(units));
  }

  /** Reads a key column that MySQL keeps as UTF-8 bytes (VARBINARY) and the others as text. */
  public String readKey(ResultSet rows, int column) throws SQLException {
    if (dialect == JdbcDialect.MYSQL) {
      byte[] bytes = rows.getBytes(column);
      return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
    return rows.getString(column);
  }

  /** {@code SELECT id, version, order_id, address … FOR UPDATE} of {@code count} invoices, in id order. */
  public String lockInvoices(int count) {
    return "SELECT id, version, order_id, address FROM " + invoiceTable + " WHERE id IN (" + marks(count)
        + ") ORDER BY id FOR UPDATE";
  }

  /**
   * A page of invoices in id order; the conditions are appended by the caller and are a superset of the query (the
   * store filters exactly afterwards).
   */
  public String selectInvoicesWhere(String conditions) {
    return "SELECT id, document FROM " + invoiceTable + (conditions.isEmpty() ? "" : " WHERE " + conditions)
        + " ORDER BY id LIMIT ?";
  }
}
