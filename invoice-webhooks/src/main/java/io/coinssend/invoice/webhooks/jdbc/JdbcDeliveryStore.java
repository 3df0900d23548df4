package io.coinssend.invoice.webhooks.jdbc;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.InvoiceStoreException;
import io.coinssend.invoice.webhooks.Delivery;
import io.coinssend.invoice.webhooks.DeliveryAttempt;
import io.coinssend.invoice.webhooks.DeliveryState;
import io.coinssend.invoice.webhooks.EndpointDisabled;
import io.coinssend.invoice.webhooks.spi.DeliveryOutcome;
import io.coinssend.invoice.webhooks.spi.DeliveryStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import javax.sql.DataSource;

/**
 * A {@link DeliveryStore} in a relational database through JDBC: PostgreSQL, MariaDB 10.6+ / MySQL 8+, or H2 2.2+.
 *
 * <p>It keeps its own four tables ({@code webhook_position}, {@code webhook_delivery}, {@code webhook_attempt},
 * {@code webhook_endpoint_disabled}); the DDL for each database ships as a resource ({@link Dialect#ddl()}) and
 * {@link #createTables()} runs it idempotently. Several dispatchers, in any number of processes, may share one
 * database: claims are {@code SELECT … FOR UPDATE SKIP LOCKED} followed by an update in the same transaction, so
 * concurrent claimers skip each other's rows instead of waiting or taking them twice; enqueueing moves the group's
 * position by compare-and-set in the same transaction as the inserts, and (event id, endpoint id) is unique.
 *
 * <p>Thread-safe (each call takes its own connection from the {@link DataSource} and runs one READ COMMITTED
 * transaction, retried a few times on deadlocks and serialization failures). Failures are thrown as
 * {@link InvoiceStoreException}. No argument or result is null.
 */
public final class JdbcDeliveryStore implements DeliveryStore {

  /** The databases supported, each with its DDL file. */
  public enum Dialect {
    POSTGRESQL("postgresql.sql"),
    /** MariaDB 10.6 or newer, or MySQL 8 or newer (both have {@code SKIP LOCKED}). */
    MARIADB("mariadb.sql"),
    H2("h2.sql");

    private final String resource;

    Dialect(String resource) {
      this.resource = resource;
    }

    /**
     * The dialect of a database product name, as {@link DatabaseMetaData#getDatabaseProductName()} reports it.
     *
     * @throws IllegalArgumentException for another database
     */
    public static Dialect ofProductName(String productName) {
      String name = requireNonNull(productName, "productName").toLowerCase(Locale.ROOT);
      if (name.contains("postgresql")) {
        return POSTGRESQL;
      }
      if (name.contains("mariadb") || name.contains("mysql")) {
        return MARIADB;
      }
      if (name.equals("h2")) {
        return H2;
      }
      throw new IllegalArgumentException("no webhook delivery store dialect for database '" + productName
          + "'; supported: PostgreSQL, MariaDB/MySQL, H2");
    }

    /** The resource path of this dialect's DDL, for example {@code io/coinssend/invoice/webhooks/jdbc/h2.sql}. */
    public String ddlResource() {
      return "io/coinssend/invoice/webhooks/jdbc/" + resource;
    }

    /** The DDL (idempotent {@code CREATE … IF NOT EXISTS} statements separated by semicolons). */
    public String ddl() {
      try (InputStream in = JdbcDeliveryStore.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("the DDL resource " + ddlResource() + " is missing from the jar");
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalStateException("could not read " + ddlResource(), e);
      }
    }
  }

  private static final int MAX_TRANSACTION_ATTEMPTS = 5;

  private static final String COLUMNS = "id, event_id, event_type, event_sequence, subject_id, endpoint_id, state, "
      + "attempts, next_attempt_at, created_at, updated_at, last_status, last_error, lease_owner, lease_until, payload";
  private static final String ATTEMPT_COLUMNS = "delivery_id, event_id, endpoint_id, attempt_no, attempted_at, "
      + "status_code, latency_ms, success, error";

  /** The most ids bound in one {@code IN (…)} list. */
  private static final int MAX_IDS_PER_STATEMENT = 500;
  /** The most rows in one multi-row {@code INSERT} (9 parameters each). */
  private static final int MAX_ROWS_PER_INSERT = 200;
  private static final String INSERT_ATTEMPT =
      "INSERT INTO webhook_attempt (" + ATTEMPT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String UPDATE_OUTCOME = "UPDATE webhook_delivery SET state = ?, attempts = ?, "
      + "next_attempt_at = ?, updated_at = ?, last_status = ?, last_error = ?, lease_owner = NULL, lease_until = NULL "
      + "WHERE id = ? AND state = 'SENDING' AND lease_owner = ?";

  private final DataSource dataSource;
  private final Dialect dialect;

  private JdbcDeliveryStore(DataSource dataSource, Dialect dialect) {
    this.dataSource = requireNonNull(dataSource, "dataSource");
    this.dialect = requireNonNull(dialect, "dialect");
  }

  /**
   * A store on {@code dataSource}, its dialect read from the database's metadata.
   *
   * @throws IllegalArgumentException if the database is not supported
   * @throws InvoiceStoreException if the database cannot be reached
   */
  public static JdbcDeliveryStore create(DataSource dataSource) {
    requireNonNull(dataSource, "dataSource");
    try (Connection connection = dataSource.getConnection()) {
      return new JdbcDeliveryStore(dataSource, Dialect.ofProductName(connection.getMetaData()
          .getDatabaseProductName()));
    } catch (SQLException e) {
      throw new InvoiceStoreException("could not read the database product from the data source: "
          + e.getMessage(), e);
    }
  }

  /** A store on {@code dataSource} for a given dialect. */
  public static JdbcDeliveryStore create(DataSource dataSource, Dialect dialect) {
    return new JdbcDeliveryStore(dataSource, dialect);
  }

  /** The dialect in use. */
  public Dialect dialect() {
    return dialect;
  }

  /**
   * Creates the tables and indexes if they do not exist (the dialect's DDL); safe to call on every start.
   *
   * @return this store
   */
  public JdbcDeliveryStore createTables() {
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : dialect.ddl().split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("--") || trimmed.isEmpty()) {
        continue;
      }
      current.append(line).append('\n');
      if (trimmed.endsWith(";")) {
        String sql = current.toString().strip();
        statements.add(sql.substring(0, sql.length() - 1));
        current.setLength(0);
      }
    }
    transaction("create the webhook tables", connection -> {
      try (Statement statement = connection.createStatement()) {
        for (String sql : statements) {
          statement.execute(sql);
        }
      }
      return null;
    });
    return this;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Enqueueing

  @Override
  public OptionalLong findPosition(String group) {
    requireNonNull(group, "group");
    return transaction("read the position of group " + group, connection -> {
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT last_sequence FROM webhook_position WHERE group_name = ?")) {
        select.setString(1, group);
        try (ResultSet rows = select.executeQuery()) {
          return rows.next() ? OptionalLong.of(rows.getLong(1)) : OptionalLong.empty();
        }
      }
    });
  }

  @Override
  public boolean enqueue(String group, long expected, long next, List<Delivery> deliveries) {
    requireNonNull(group, "group");
    requireNonNull(deliveries, "deliveries");
    if (next < expected) {
      throw new IllegalArgumentException("a position only moves forward: " + expected + " -> " + next);
    }
    for (Delivery delivery : deliveries) {
      if (delivery.state() != DeliveryState.PENDING) {
        throw new IllegalArgumentException("new deliveries are PENDING, but " + delivery.id() + " is "
            + delivery.state());
      }
    }
    return transaction("enqueue deliveries for group " + group, connection -> {
      // The position row is locked first: a concurrent enqueuer of the same events waits here, then finds the
      // position moved and gives up without inserting anything.
      int moved;
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE webhook_position SET last_sequence = ? WHERE group_name = ? AND last_sequence = ?")) {
        update.setLong(1, next);
        update.setString(2, group);
        update.setLong(3, expected);
        moved = update.executeUpdate();
      }
      if (moved == 0) {
        if (expected != 0) {
          connection.rollback();
          return false;
        }
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO webhook_position (group_name, last_sequence) VALUES (?, ?)")) {
          insert.setString(1, group);
          insert.setLong(2, next);
          insert.executeUpdate();
        } catch (SQLException e) {
          if (isDuplicate(e)) {
            connection.rollback();
            return false;
          }
          throw e;
        }
      }
      insertDeliveries(connection, deliveries);
      return true;
    });
  }

  private void insertDeliveries(Connection connection, List<Delivery> deliveries) throws SQLException {
    if (deliveries.isEmpty()) {
      return;
    }
    String sql = "INSERT INTO webhook_delivery (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        + "?, ?)";
    Savepoint beforeBatch = connection.setSavepoint();
    try (PreparedStatement insert = connection.prepareStatement(sql)) {
      for (Delivery delivery : deliveries) {
        bind(insert, delivery);
        insert.addBatch();
      }
      insert.executeBatch();
      return;
    } catch (SQLException e) {
      if (!isDuplicate(e)) {
        throw e;
      }
      connection.rollback(beforeBatch);
    }
    // Some deliveries already exist (the position guards against this, so it is rare): insert one by one and keep
    // the existing rows.
    try (PreparedStatement insert = connection.prepareStatement(sql)) {
      for (Delivery delivery : deliveries) {
        Savepoint one = connection.setSavepoint();
        bind(insert, delivery);
        try {
          insert.executeUpdate();
        } catch (SQLException e) {
          if (!isDuplicate(e)) {
            throw e;
          }
          connection.rollback(one);
        }
      }
    }
  }

  private static void bind(PreparedStatement insert, Delivery delivery) throws SQLException {
    insert.setString(1, delivery.id());
    insert.setString(2, delivery.eventId());
    insert.setString(3, delivery.eventType());
    insert.setLong(4, delivery.eventSequence());
    insert.setString(5, delivery.subjectId());
    insert.setString(6, delivery.endpointId());
    insert.setString(7, delivery.state().name());
    insert.setInt(8, delivery.attempts());
    insert.setLong(9, delivery.nextAttemptAt().toEpochMilli());
    insert.setLong(10, delivery.createdAt().toEpochMilli());
    insert.setLong(11, delivery.updatedAt().toEpochMilli());
    setInt(insert, 12, delivery.lastStatusCode());
    setString(insert, 13, delivery.lastError());
    setString(insert, 14, delivery.leaseOwner());
    setLong(insert, 15, delivery.leaseUntil().map(Instant::toEpochMilli));
    insert.setString(16, delivery.payload());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Claiming and completing

  @Override
  public List<Delivery> claim(String endpointId, Instant now, int limit, String owner, Instant leaseUntil) {
    requireNonNull(endpointId, "endpointId");
    requireNonNull(now, "now");
    requireNonNull(owner, "owner");
    requireNonNull(leaseUntil, "leaseUntil");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, but was " + limit);
    }
    String select = "SELECT " + COLUMNS + " FROM webhook_delivery WHERE endpoint_id = ? AND ((state = 'PENDING' "
        + "AND next_attempt_at <= ?) OR (state = 'SENDING' AND lease_until <= ?)) ORDER BY next_attempt_at, "
        + "event_sequence, id LIMIT ? FOR UPDATE SKIP LOCKED";
    return transaction("claim deliveries for endpoint " + endpointId, connection -> {
      List<Delivery> due = new ArrayList<>();
      try (PreparedStatement query = connection.prepareStatement(select)) {
        query.setString(1, endpointId);
        query.setLong(2, now.toEpochMilli());
        query.setLong(3, now.toEpochMilli());
        query.setInt(4, limit);
        try (ResultSet rows = query.executeQuery()) {
          while (rows.next()) {
            due.add(delivery(rows));
          }
        }
      }
      if (due.isEmpty()) {
        return List.of();
      }
      List<Delivery> claimed = new ArrayList<>(due.size());
      try (PreparedStatement update = connection.prepareStatement("UPDATE webhook_delivery SET state = 'SENDING', "
          + "lease_owner = ?, lease_until = ?, updated_at = ? WHERE id = ?")) {
        for (Delivery delivery : due) {
          update.setString(1, owner);
          update.setLong(2, leaseUntil.toEpochMilli());
          update.setLong(3, now.toEpochMilli());
          update.setString(4, delivery.id());
          update.addBatch();
          claimed.add(delivery.claimed(owner, leaseUntil, now));
        }
        update.executeBatch();
      }
      return claimed;
    });
  }

  @Override
  public boolean complete(DeliveryOutcome outcome) {
    requireNonNull(outcome, "outcome");
    DeliveryAttempt attempt = outcome.attempt();
    return transaction("record an attempt of delivery " + outcome.deliveryId(), connection -> {
      try (PreparedStatement insert = connection.prepareStatement(INSERT_ATTEMPT)) {
        bindAttempt(insert, attempt);
        insert.executeUpdate();
      }
      try (PreparedStatement update = connection.prepareStatement(UPDATE_OUTCOME)) {
        bindOutcome(update, outcome);
        return update.executeUpdate() == 1;
      }
    });
  }

  /**
   * {@inheritDoc} In one transaction: the deliveries concerned are read and locked ({@code SELECT … FOR UPDATE}, in
   * id order, so two callers lock in the same order), the ones still held move with one batched update, and every
   * attempt is inserted with one batched insert. Which claims were held is taken from the locked rows rather than
   * from batch update counts, which some drivers do not report.
   */
  @Override
  public List<DeliveryOutcome> completeAll(List<DeliveryOutcome> outcomes) {
    requireNonNull(outcomes, "outcomes");
    outcomes.forEach(outcome -> requireNonNull(outcome, "outcome"));
    if (outcomes.isEmpty()) {
      return List.of();
    }
    return transaction("record " + outcomes.size() + " attempts", connection -> {
      Map<String, String> owners = new HashMap<>();
      List<String> ids = outcomes.stream().map(DeliveryOutcome::deliveryId).distinct().sorted().toList();
      for (int from = 0; from < ids.size(); from += MAX_IDS_PER_STATEMENT) {
        List<String> chunk = ids.subList(from, Math.min(ids.size(), from + MAX_IDS_PER_STATEMENT));
        try (PreparedStatement lock = connection.prepareStatement("SELECT id, lease_owner FROM webhook_delivery "
            + "WHERE state = 'SENDING' AND id IN (" + placeholders(chunk.size()) + ") ORDER BY id FOR UPDATE")) {
          for (int i = 0; i < chunk.size(); i++) {
            lock.setString(i + 1, chunk.get(i));
          }
          try (ResultSet rows = lock.executeQuery()) {
            while (rows.next()) {
              owners.put(rows.getString(1), rows.getString(2));
            }
          }
        }
      }
      List<DeliveryOutcome> lost = new ArrayList<>();
      boolean anyHeld = false;
      try (PreparedStatement update = connection.prepareStatement(UPDATE_OUTCOME)) {
        for (DeliveryOutcome outcome : outcomes) {
          // remove: a second outcome of the same delivery in this call finds the claim already used.
          if (outcome.owner().equals(owners.get(outcome.deliveryId()))) {
            owners.remove(outcome.deliveryId());
            bindOutcome(update, outcome);
            update.addBatch();
            anyHeld = true;
          } else {
            lost.add(outcome);
          }
        }
        if (anyHeld) {
          update.executeBatch();
        }
      }
      // Multi-row inserts: one statement per chunk rather than one per attempt.
      for (int from = 0; from < outcomes.size(); from += MAX_ROWS_PER_INSERT) {
        List<DeliveryOutcome> chunk = outcomes.subList(from, Math.min(outcomes.size(), from + MAX_ROWS_PER_INSERT));
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO webhook_attempt ("
            + ATTEMPT_COLUMNS + ") VALUES " + String.join(", ", java.util.Collections.nCopies(chunk.size(),
            "(?, ?, ?, ?, ?, ?, ?, ?, ?)")))) {
          for (int i = 0; i < chunk.size(); i++) {
            bindAttempt(insert, 9 * i, chunk.get(i).attempt());
          }
          insert.executeUpdate();
        }
      }
      return lost;
    });
  }

  private static String placeholders(int count) {
    return "?, ".repeat(count - 1) + "?";
  }

  private static void bindAttempt(PreparedStatement insert, DeliveryAttempt attempt) throws SQLException {
    bindAttempt(insert, 0, attempt);
  }

  /** Binds an attempt's nine columns at parameters {@code offset + 1} to {@code offset + 9}. */
  private static void bindAttempt(PreparedStatement insert, int offset, DeliveryAttempt attempt)
      throws SQLException {
    insert.setString(offset + 1, attempt.deliveryId());
    insert.setString(offset + 2, attempt.eventId());
    insert.setString(offset + 3, attempt.endpointId());
    insert.setInt(offset + 4, attempt.number());
    insert.setLong(offset + 5, attempt.at().toEpochMilli());
    setInt(insert, offset + 6, attempt.statusCode());
    insert.setLong(offset + 7, attempt.latency().toMillis());
    insert.setBoolean(offset + 8, attempt.success());
    setString(insert, offset + 9, attempt.error());
  }

  private static void bindOutcome(PreparedStatement update, DeliveryOutcome outcome) throws SQLException {
    DeliveryAttempt attempt = outcome.attempt();
    update.setString(1, outcome.state().name());
    update.setInt(2, outcome.attempts());
    update.setLong(3, outcome.nextAttemptAt().toEpochMilli());
    update.setLong(4, outcome.at().toEpochMilli());
    setInt(update, 5, attempt.statusCode());
    setString(update, 6, attempt.error());
    update.setString(7, outcome.deliveryId());
    update.setString(8, outcome.owner());
  }

  @Override
  public void release(String owner, List<String> deliveryIds, Instant now) {
    requireNonNull(owner, "owner");
    requireNonNull(deliveryIds, "deliveryIds");
    requireNonNull(now, "now");
    deliveryIds.forEach(id -> requireNonNull(id, "deliveryId"));
    if (deliveryIds.isEmpty()) {
      return;
    }
    transaction("give back " + deliveryIds.size() + " claims", connection -> {
      try (PreparedStatement update = connection.prepareStatement("UPDATE webhook_delivery SET state = 'PENDING', "
          + "lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND state = 'SENDING' "
          + "AND lease_owner = ?")) {
        for (String id : deliveryIds) {
          update.setLong(1, now.toEpochMilli());
          update.setString(2, id);
          update.setString(3, owner);
          update.addBatch();
        }
        update.executeBatch();
      }
      return null;
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reading

  @Override
  public Optional<Delivery> findDelivery(String deliveryId) {
    requireNonNull(deliveryId, "deliveryId");
    return transaction("read delivery " + deliveryId,
        connection -> selectDelivery(connection, deliveryId));
  }

  private static Optional<Delivery> selectDelivery(Connection connection, String deliveryId) throws SQLException {
    try (PreparedStatement query = connection.prepareStatement(
        "SELECT " + COLUMNS + " FROM webhook_delivery WHERE id = ?")) {
      query.setString(1, deliveryId);
      try (ResultSet rows = query.executeQuery()) {
        return rows.next() ? Optional.of(delivery(rows)) : Optional.empty();
      }
    }
  }

  @Override
  public List<Delivery> deliveriesOfEvent(String eventId) {
    requireNonNull(eventId, "eventId");
    return transaction("read the deliveries of event " + eventId, connection -> {
      try (PreparedStatement query = connection.prepareStatement(
          "SELECT " + COLUMNS + " FROM webhook_delivery WHERE event_id = ? ORDER BY endpoint_id")) {
        query.setString(1, eventId);
        return deliveries(query);
      }
    });
  }

  @Override
  public List<Delivery> deliveriesOfEndpoint(
      String endpointId, Optional<DeliveryState> state, long afterSequence, int limit) {
    requireNonNull(endpointId, "endpointId");
    requireNonNull(state, "state");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, but was " + limit);
    }
    String sql = "SELECT " + COLUMNS + " FROM webhook_delivery WHERE endpoint_id = ? AND event_sequence > ?"
        + (state.isPresent() ? " AND state = ?" : "") + " ORDER BY event_sequence LIMIT ?";
    return transaction("read the deliveries of endpoint " + endpointId, connection -> {
      try (PreparedStatement query = connection.prepareStatement(sql)) {
        int i = 1;
        query.setString(i++, endpointId);
        query.setLong(i++, afterSequence);
        if (state.isPresent()) {
          query.setString(i++, state.get().name());
        }
        query.setInt(i, limit);
        return deliveries(query);
      }
    });
  }

  private static List<Delivery> deliveries(PreparedStatement query) throws SQLException {
    List<Delivery> result = new ArrayList<>();
    try (ResultSet rows = query.executeQuery()) {
      while (rows.next()) {
        result.add(delivery(rows));
      }
    }
    return result;
  }

  private static Delivery delivery(ResultSet rows) throws SQLException {
    int status = rows.getInt("last_status");
    OptionalInt lastStatus = rows.wasNull() ? OptionalInt.empty() : OptionalInt.of(status);
    long until = rows.getLong("lease_until");
    Optional<Instant> leaseUntil = rows.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(until));
    return new Delivery(
        rows.getString("id"),
        rows.getString("event_id"),
        rows.getString("event_type"),
        rows.getLong("event_sequence"),
        rows.getString("subject_id"),
        rows.getString("endpoint_id"),
        DeliveryState.valueOf(rows.getString("state")),
        rows.getInt("attempts"),
        Instant.ofEpochMilli(rows.getLong("next_attempt_at")),
        Instant.ofEpochMilli(rows.getLong("created_at")),
        Instant.ofEpochMilli(rows.getLong("updated_at")),
        lastStatus,
        Optional.ofNullable(rows.getString("last_error")),
        Optional.ofNullable(rows.getString("lease_owner")),
        leaseUntil,
        rows.getString("payload"));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Redelivery and endpoints

  @Override
  public Optional<Delivery> redeliver(String deliveryId, Instant now) {
    requireNonNull(deliveryId, "deliveryId");
    requireNonNull(now, "now");
    return transaction("redeliver " + deliveryId, connection -> {
      try (PreparedStatement update = connection.prepareStatement("UPDATE webhook_delivery SET state = 'PENDING', "
          + "attempts = 0, next_attempt_at = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL "
          + "WHERE id = ? AND state <> 'SENDING'")) {
        update.setLong(1, now.toEpochMilli());
        update.setLong(2, now.toEpochMilli());
        update.setString(3, deliveryId);
        update.executeUpdate();
      }
      return selectDelivery(connection, deliveryId);
    });
  }

  @Override
  public int redeliverDead(String endpointId, Instant now) {
    requireNonNull(endpointId, "endpointId");
    requireNonNull(now, "now");
    return transaction("redeliver the dead deliveries of " + endpointId, connection -> {
      try (PreparedStatement update = connection.prepareStatement("UPDATE webhook_delivery SET state = 'PENDING', "
          + "attempts = 0, next_attempt_at = ?, updated_at = ? WHERE endpoint_id = ? AND state = 'DEAD'")) {
        update.setLong(1, now.toEpochMilli());
        update.setLong(2, now.toEpochMilli());
        update.setString(3, endpointId);
        return update.executeUpdate();
      }
    });
  }

  @Override
  public void disableEndpoint(EndpointDisabled disabled) {
    requireNonNull(disabled, "disabled");
    transaction("disable endpoint " + disabled.endpointId(), connection -> {
      try (PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO webhook_endpoint_disabled (endpoint_id, disabled_at, reason) VALUES (?, ?, ?)")) {
        insert.setString(1, disabled.endpointId());
        insert.setLong(2, disabled.at().toEpochMilli());
        insert.setString(3, disabled.reason());
        insert.executeUpdate();
      } catch (SQLException e) {
        if (!isDuplicate(e)) {
          throw e;
        }
        connection.rollback(); // already disabled: the first record stays
      }
      return null;
    });
  }

  @Override
  public boolean enableEndpoint(String endpointId, Instant now) {
    requireNonNull(endpointId, "endpointId");
    requireNonNull(now, "now");
    return transaction("enable endpoint " + endpointId, connection -> {
      int removed;
      try (PreparedStatement delete = connection.prepareStatement(
          "DELETE FROM webhook_endpoint_disabled WHERE endpoint_id = ?")) {
        delete.setString(1, endpointId);
        removed = delete.executeUpdate();
      }
      if (removed == 0) {
        return false;
      }
      try (PreparedStatement update = connection.prepareStatement("UPDATE webhook_delivery SET next_attempt_at = ?, "
          + "updated_at = ? WHERE endpoint_id = ? AND state = 'PENDING' AND next_attempt_at > ?")) {
        update.setLong(1, now.toEpochMilli());
        update.setLong(2, now.toEpochMilli());
        update.setString(3, endpointId);
        update.setLong(4, now.toEpochMilli());
        update.executeUpdate();
      }
      return true;
    });
  }

  @Override
  public Map<String, EndpointDisabled> disabledEndpoints() {
    return transaction("read the disabled endpoints", connection -> {
      Map<String, EndpointDisabled> disabled = new LinkedHashMap<>();
      try (PreparedStatement query = connection.prepareStatement(
          "SELECT endpoint_id, disabled_at, reason FROM webhook_endpoint_disabled ORDER BY endpoint_id");
          ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          disabled.put(rows.getString(1), new EndpointDisabled(rows.getString(1),
              Instant.ofEpochMilli(rows.getLong(2)), rows.getString(3)));
        }
      }
      return Map.copyOf(disabled);
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The delivery log

  @Override
  public List<DeliveryAttempt> attemptsOfEvent(String eventId) {
    requireNonNull(eventId, "eventId");
    return attempts("SELECT " + ATTEMPT_COLUMNS + " FROM webhook_attempt WHERE event_id = ? ORDER BY attempt_id",
        eventId, Optional.empty(), Integer.MAX_VALUE);
  }

  @Override
  public List<DeliveryAttempt> attemptsOfDelivery(String deliveryId) {
    requireNonNull(deliveryId, "deliveryId");
    return attempts("SELECT " + ATTEMPT_COLUMNS + " FROM webhook_attempt WHERE delivery_id = ? ORDER BY attempt_id",
        deliveryId, Optional.empty(), Integer.MAX_VALUE);
  }

  @Override
  public List<DeliveryAttempt> attemptsOfEndpoint(String endpointId, Instant since, int limit) {
    requireNonNull(endpointId, "endpointId");
    requireNonNull(since, "since");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, but was " + limit);
    }
    return attempts("SELECT " + ATTEMPT_COLUMNS + " FROM webhook_attempt WHERE endpoint_id = ? AND attempted_at >= ? "
        + "ORDER BY attempt_id LIMIT ?", endpointId, Optional.of(since), limit);
  }

  private List<DeliveryAttempt> attempts(String sql, String key, Optional<Instant> since, int limit) {
    return transaction("read the delivery log", connection -> {
      List<DeliveryAttempt> result = new ArrayList<>();
      try (PreparedStatement query = connection.prepareStatement(sql)) {
        query.setString(1, key);
        if (since.isPresent()) {
          query.setLong(2, since.get().toEpochMilli());
          query.setInt(3, limit);
        }
        try (ResultSet rows = query.executeQuery()) {
          while (rows.next() && result.size() < limit) {
            int status = rows.getInt("status_code");
            OptionalInt statusCode = rows.wasNull() ? OptionalInt.empty() : OptionalInt.of(status);
            result.add(new DeliveryAttempt(rows.getString("delivery_id"), rows.getString("event_id"),
                rows.getString("endpoint_id"), rows.getInt("attempt_no"),
                Instant.ofEpochMilli(rows.getLong("attempted_at")), statusCode,
                Duration.ofMillis(rows.getLong("latency_ms")), rows.getBoolean("success"),
                Optional.ofNullable(rows.getString("error"))));
          }
        }
      }
      return result;
    });
  }

  @Override
  public int purge(Instant cutoff) {
    requireNonNull(cutoff, "cutoff");
    return transaction("purge the delivery log", connection -> {
      int removed;
      try (PreparedStatement delete = connection.prepareStatement(
          "DELETE FROM webhook_attempt WHERE attempted_at < ?")) {
        delete.setLong(1, cutoff.toEpochMilli());
        removed = delete.executeUpdate();
      }
      try (PreparedStatement delete = connection.prepareStatement(
          "DELETE FROM webhook_delivery WHERE state IN ('DELIVERED', 'DEAD') AND updated_at < ?")) {
        delete.setLong(1, cutoff.toEpochMilli());
        removed += delete.executeUpdate();
      }
      return removed;
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Transactions

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private <T> T transaction(String what, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection connection = dataSource.getConnection()) {
        boolean autoCommit = connection.getAutoCommit();
        int isolation = connection.getTransactionIsolation();
        connection.setAutoCommit(false);
        connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        try {
          T result = work.run(connection);
          connection.commit();
          return result;
        } catch (SQLException | RuntimeException e) {
          rollbackQuietly(connection);
          throw e;
        } finally {
          restore(connection, autoCommit, isolation);
        }
      } catch (SQLException e) {
        if (attempt < MAX_TRANSACTION_ATTEMPTS && isTransient(e)) {
          continue;
        }
        throw new InvoiceStoreException("the webhook delivery store could not " + what + " (" + dialect + "): "
            + e.getMessage(), e);
      }
    }
  }

  private static void rollbackQuietly(Connection connection) {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // the original failure is the one worth reporting
    }
  }

  private static void restore(Connection connection, boolean autoCommit, int isolation) {
    try {
      connection.setTransactionIsolation(isolation);
      connection.setAutoCommit(autoCommit);
    } catch (SQLException ignored) {
      // the connection is closed next; a pool discards a broken one
    }
  }

  private static boolean isDuplicate(SQLException e) {
    int depth = 0;
    for (SQLException current = e; current != null && depth < 16; current = next(current), depth++) {
      String state = current.getSQLState();
      if ("23505".equals(state) || current.getErrorCode() == 1062
          || current instanceof java.sql.SQLIntegrityConstraintViolationException) {
        return true;
      }
    }
    return false;
  }

  private static boolean isTransient(SQLException e) {
    int depth = 0;
    for (SQLException current = e; current != null && depth < 16; current = next(current), depth++) {
      String state = current.getSQLState();
      if ("40001".equals(state) || "40P01".equals(state) || current.getErrorCode() == 1213
          || current.getErrorCode() == 1205 || current instanceof java.sql.SQLTransactionRollbackException) {
        return true;
      }
    }
    return false;
  }

  private static SQLException next(SQLException e) {
    if (e.getNextException() != null && e.getNextException() != e) {
      return e.getNextException();
    }
    if (e instanceof BatchUpdateException && e.getCause() instanceof SQLException cause && cause != e) {
      return cause;
    }
    return e.getCause() instanceof SQLException cause && cause != e ? cause : null;
  }

  private static void setInt(PreparedStatement statement, int index, OptionalInt value) throws SQLException {
    if (value.isPresent()) {
      statement.setInt(index, value.getAsInt());
    } else {
      statement.setNull(index, Types.INTEGER);
    }
  }

  private static void setLong(PreparedStatement statement, int index, Optional<Long> value) throws SQLException {
    if (value.isPresent()) {
      statement.setLong(index, value.get());
    } else {
      statement.setNull(index, Types.BIGINT);
    }
  }

  private static void setString(PreparedStatement statement, int index, Optional<String> value)
      throws SQLException {
    if (value.isPresent()) {
      statement.setString(index, value.get());
    } else {
      statement.setNull(index, Types.VARCHAR);
    }
  }

  @Override
  public String toString() {
    return "JdbcDeliveryStore[" + dialect + "]";
  }
}
