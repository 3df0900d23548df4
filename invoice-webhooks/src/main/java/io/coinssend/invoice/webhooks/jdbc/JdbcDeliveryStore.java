package io.coinssend.invoice.webhooks.jdbc;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.InvoiceStoreException;
import io.coinssend.invoice.jdbc.PostgresPlans;
import io.coinssend.invoice.jdbc.internal.PostgresPlanning;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import javax.sql.DataSource;

/**
 * A {@link DeliveryStore} in a relational database through JDBC: PostgreSQL, MariaDB 10.6+ / MySQL 8+, or H2 2.2+.
 *
 * <p>It keeps its own five tables ({@code webhook_position}, {@code webhook_delivery}, {@code webhook_payload},
 * {@code webhook_attempt}, {@code webhook_endpoint_disabled}); the DDL for each database ships as a resource
 * ({@link Dialect#ddl()}) and {@link #createTables()} runs it idempotently. A delivery's payload is kept in
 * {@code webhook_payload}, written once with the delivery and deleted with it, so that claims and outcomes, which
 * rewrite the delivery's row, rewrite a small one. Several dispatchers, in any number of processes, may share one
 * database: claims lock the due rows with {@code FOR UPDATE SKIP LOCKED} and update them in the same transaction, so
 * concurrent claimers skip each other's rows instead of waiting or taking them twice; enqueueing moves the group's
 * position by compare-and-set in the same transaction as the inserts, and (event id, endpoint id) is unique.
 *
 * <p>On PostgreSQL each of the frequent calls is one statement, committed on its own (one round trip): an enqueue
 * moves the position and inserts its deliveries and payloads from arrays, a claim is an
 * {@code UPDATE … WHERE id = ANY (ARRAY(SELECT … FOR UPDATE SKIP LOCKED)) RETURNING …}, and a group of outcomes is
 * one {@code UPDATE … FROM unnest(…)} guarded by state and lease owner with the attempts' insert in the same
 * statement. (That needs the sessions at READ COMMITTED, PostgreSQL's default; at a stricter level each runs in a
 * READ COMMITTED transaction.) MariaDB and H2 run the same steps as several statements in one transaction. A claimed
 * delivery keeps {@code state = 'PENDING'} in its row and has a lease owner (it is read back as SENDING): a claim
 * writes no indexed column, so PostgreSQL updates the row in place (HOT). Where autovacuum does not run for
 * {@code webhook_delivery}, the claim and outcome statements are planned at each execution rather than with a plan
 * the server kept from when the table was small ({@link PostgresPlans}).
 *
 * <p>Thread-safe (each call takes its own connection from the {@link DataSource} and runs one READ COMMITTED
 * transaction or statement, retried a few times on deadlocks and serialization failures). Failures are thrown as
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

  /** The columns of {@code webhook_delivery}; the payload is in {@code webhook_payload}, keyed by delivery id. */
  private static final String COLUMNS = "id, event_id, event_type, event_sequence, subject_id, endpoint_id, state, "
      + "attempts, next_attempt_at, created_at, updated_at, last_status, last_error, lease_owner, lease_until";
  /** Deliveries ({@code d}) with their payloads. */
  private static final String SELECT_DELIVERIES = "SELECT " + qualified("d", COLUMNS) + ", p.payload FROM "
      + "webhook_delivery d JOIN webhook_payload p ON p.delivery_id = d.id";
  private static final String ATTEMPT_COLUMNS = "delivery_id, event_id, endpoint_id, attempt_no, attempted_at, "
      + "status_code, latency_ms, success, error";

  /** The most ids bound in one {@code IN (…)} list. */
  private static final int MAX_IDS_PER_STATEMENT = 500;
  /** The most rows in one multi-row {@code INSERT} (9 parameters each). */
  private static final int MAX_ROWS_PER_INSERT = 200;
  private static final String INSERT_PAYLOAD = "INSERT INTO webhook_payload (delivery_id, payload) VALUES (?, ?)";
  private static final String INSERT_ATTEMPT =
      "INSERT INTO webhook_attempt (" + ATTEMPT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String UPDATE_OUTCOME = "UPDATE webhook_delivery SET state = ?, attempts = ?, "
      + "next_attempt_at = ?, updated_at = ?, last_status = ?, last_error = ?, lease_owner = NULL, lease_until = NULL "
      + "WHERE id = ? AND lease_owner = ?";

  /** Due deliveries of an endpoint, earliest first, locked and skipping rows other claimers hold. */
  private static final String DUE = "FROM webhook_delivery WHERE endpoint_id = ? AND state = 'PENDING' "
      + "AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_attempt_at, "
      + "event_sequence, id LIMIT ? FOR UPDATE SKIP LOCKED";
  private static final String SELECT_DUE = "SELECT " + COLUMNS + " " + DUE;
  private static final String PG_CLAIM = "WITH claimed AS (UPDATE webhook_delivery SET "
      + "lease_owner = ?, lease_until = ?, updated_at = ? WHERE id = ANY (ARRAY(SELECT id " + DUE + ")) "
      + "RETURNING " + COLUMNS + ") SELECT " + qualified("c", COLUMNS) + ", p.payload FROM claimed c "
      + "JOIN webhook_payload p ON p.delivery_id = c.id ORDER BY c.next_attempt_at, c.event_sequence, c.id";

  private static final String PG_COMPLETE = "WITH o AS (SELECT * FROM unnest(CAST(? AS varchar[]), "
      + "CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS int4[]), CAST(? AS int8[]), CAST(? AS int8[]), "
      + "CAST(? AS int4[]), CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS int4[]), "
      + "CAST(? AS int8[]), CAST(? AS int8[]), CAST(? AS bool[])) WITH ORDINALITY AS o(id, owner, state, attempts, "
      + "next_attempt_at, at, status, error, event_id, endpoint_id, attempt_no, attempted_at, latency_ms, success, "
      + "ord)), "
      + "logged AS (INSERT INTO webhook_attempt (" + ATTEMPT_COLUMNS + ") SELECT id, event_id, endpoint_id, "
      + "attempt_no, attempted_at, status, latency_ms, success, error FROM o ORDER BY ord), "
      + "moved AS (UPDATE webhook_delivery d SET state = o.state, attempts = o.attempts, "
      + "next_attempt_at = o.next_attempt_at, updated_at = o.at, last_status = o.status, last_error = o.error, "
      + "lease_owner = NULL, lease_until = NULL FROM o WHERE d.id = o.id AND d.lease_owner = o.owner "
      + "RETURNING d.id) "
      + "SELECT id FROM moved";

  /**
   * PostgreSQL: the position's compare-and-set and the deliveries in one statement. The deliveries are inserted only
   * if the position moved; the first row returned has a null id if it did, and the others are the ids inserted.
   */
  private static final String PG_ENQUEUE_AT = "WITH moved AS (UPDATE webhook_position SET last_sequence = ? "
      + "WHERE group_name = ? AND last_sequence = ? RETURNING 1), "
      + "r AS (SELECT * FROM unnest(CAST(? AS varchar[]), "
      + "CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS int8[]), CAST(? AS varchar[]), CAST(? AS varchar[]), "
      + "CAST(? AS varchar[]), CAST(? AS int4[]), CAST(? AS int8[]), CAST(? AS int8[]), CAST(? AS int8[]), "
      + "CAST(? AS int4[]), CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS int8[]), CAST(? AS text[])) "
      + "AS r(" + COLUMNS + ", payload)), "
      + "added AS (INSERT INTO webhook_delivery (" + COLUMNS + ") SELECT " + COLUMNS + " FROM r "
      + "WHERE EXISTS (SELECT 1 FROM moved) ON CONFLICT DO NOTHING RETURNING id), "
      + "paid AS (INSERT INTO webhook_payload (delivery_id, payload) SELECT r.id, r.payload FROM r "
      + "JOIN added ON added.id = r.id) "
      + "SELECT 0 AS kind, CAST(NULL AS varchar) AS id FROM moved UNION ALL SELECT 1, id FROM added ORDER BY 1";

  private static final String PG_ENQUEUE = "WITH r AS (SELECT * FROM unnest(CAST(? AS varchar[]), "
      + "CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS int8[]), CAST(? AS varchar[]), CAST(? AS varchar[]), "
      + "CAST(? AS varchar[]), CAST(? AS int4[]), CAST(? AS int8[]), CAST(? AS int8[]), CAST(? AS int8[]), "
      + "CAST(? AS int4[]), CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS int8[]), CAST(? AS text[])) "
      + "AS r(" + COLUMNS + ", payload)), "
      + "added AS (INSERT INTO webhook_delivery (" + COLUMNS + ") SELECT " + COLUMNS + " FROM r "
      + "ON CONFLICT DO NOTHING RETURNING id), "
      + "paid AS (INSERT INTO webhook_payload (delivery_id, payload) SELECT r.id, r.payload FROM r "
      + "JOIN added ON added.id = r.id) "
      + "SELECT id FROM added";

  private final DataSource dataSource;
  private final Dialect dialect;
  private final PostgresPlans plans;
  /** Whether the sessions are at READ COMMITTED; null until first needed (PostgreSQL only). */
  private volatile Boolean sessionsReadCommitted;
  /** How the claim and outcome statements are planned; an automatic choice is settled with the isolation level. */
  private final PostgresPlanning planning;

  private JdbcDeliveryStore(DataSource dataSource, Dialect dialect, PostgresPlans plans) {
    this.dataSource = requireNonNull(dataSource, "dataSource");
    this.dialect = requireNonNull(dialect, "dialect");
    this.plans = requireNonNull(plans, "plans");
    this.planning = new PostgresPlanning(plans);
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
          .getDatabaseProductName()), PostgresPlans.AUTOMATIC);
    } catch (SQLException e) {
      throw new InvoiceStoreException("could not read the database product from the data source: "
          + e.getMessage(), e);
    }
  }

  /** A store on {@code dataSource} for a given dialect. */
  public static JdbcDeliveryStore create(DataSource dataSource, Dialect dialect) {
    return new JdbcDeliveryStore(dataSource, dialect, PostgresPlans.AUTOMATIC);
  }

  /**
   * This store on the same data source, with its claim and outcome statements planned as {@code plans} says on
   * PostgreSQL ({@link PostgresPlans#AUTOMATIC} by default). Both join a list of deliveries with
   * {@code webhook_delivery}; with plans the server kept from when the table was nearly empty, a claim of 100
   * deliveries from 100,000 rows took 159 ms instead of 1 ms.
   */
  public JdbcDeliveryStore withPostgresPlans(PostgresPlans plans) {
    return new JdbcDeliveryStore(dataSource, dialect, plans);
  }

  /** How the claim and outcome statements are planned on PostgreSQL, as set. */
  public PostgresPlans postgresPlans() {
    return plans;
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
    return read("read the position of group " + group, connection -> {
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
    return enqueueClaiming(group, expected, next, deliveries, Set.of(), "", Instant.EPOCH, Instant.EPOCH).isPresent();
  }

  /**
   * {@inheritDoc} In the enqueue's transaction: a claimed delivery is inserted with its lease (a state of
   * {@code PENDING} with a lease owner, as a claim leaves it), so no claim statement follows.
   */
  @Override
  public Optional<List<Delivery>> enqueueClaiming(String group, long expected, long next, List<Delivery> deliveries,
      Set<String> claimFor, String owner, Instant leaseUntil, Instant now) {
    requireNonNull(group, "group");
    requireNonNull(deliveries, "deliveries");
    requireNonNull(claimFor, "claimFor");
    requireNonNull(owner, "owner");
    requireNonNull(leaseUntil, "leaseUntil");
    requireNonNull(now, "now");
    if (next < expected) {
      throw new IllegalArgumentException("a position only moves forward: " + expected + " -> " + next);
    }
    List<Delivery> rows = new ArrayList<>(deliveries.size());
    for (Delivery delivery : deliveries) {
      if (delivery.state() != DeliveryState.PENDING) {
        throw new IllegalArgumentException("new deliveries are PENDING, but " + delivery.id() + " is "
            + delivery.state());
      }
      rows.add(claimFor.contains(delivery.endpointId()) ? delivery.claimed(owner, leaseUntil, now) : delivery);
    }
    if (dialect == Dialect.POSTGRESQL) {
      Optional<Set<String>> inserted = autoCommitted("enqueue deliveries for group " + group,
          connection -> enqueueInOneStatement(connection, group, expected, next, rows));
      if (inserted.isPresent()) {
        return Optional.of(claimedAmong(rows, inserted.get()));
      }
      if (expected != 0) {
        return Optional.empty();
      }
      // No position row for the group yet (its first enqueue): created in the transaction below.
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
          return Optional.empty();
        }
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO webhook_position (group_name, last_sequence) VALUES (?, ?)")) {
          insert.setString(1, group);
          insert.setLong(2, next);
          insert.executeUpdate();
        } catch (SQLException e) {
          if (isDuplicate(e)) {
            connection.rollback();
            return Optional.empty();
          }
          throw e;
        }
      }
      return Optional.of(claimedAmong(rows, insertDeliveries(connection, rows)));
    });
  }

  /** The claimed deliveries among {@code rows} that were inserted ({@code inserted} is emptied as it is used). */
  private static List<Delivery> claimedAmong(List<Delivery> rows, Set<String> inserted) {
    List<Delivery> claimed = new ArrayList<>();
    for (Delivery row : rows) {
      // remove: a second delivery with the same id in the list was not inserted (the first one was).
      if (row.state() == DeliveryState.SENDING && inserted.remove(row.id())) {
        claimed.add(row);
      }
    }
    return claimed;
  }

  /** Inserts the deliveries that do not exist yet (and their payloads); returns the ids inserted. */
  private Set<String> insertDeliveries(Connection connection, List<Delivery> deliveries) throws SQLException {
    if (deliveries.isEmpty()) {
      return Set.of();
    }
    if (dialect == Dialect.POSTGRESQL) {
      return insertInOneStatement(connection, deliveries);
    }
    String sql = "INSERT INTO webhook_delivery (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    Savepoint beforeBatch = connection.setSavepoint();
    try (PreparedStatement insert = connection.prepareStatement(sql);
        PreparedStatement payload = connection.prepareStatement(INSERT_PAYLOAD)) {
      for (Delivery delivery : deliveries) {
        bind(insert, delivery);
        insert.addBatch();
        bindPayload(payload, delivery);
        payload.addBatch();
      }
      insert.executeBatch();
      payload.executeBatch();
      Set<String> inserted = new HashSet<>();
      deliveries.forEach(delivery -> inserted.add(delivery.id()));
      return inserted;
    } catch (SQLException e) {
      if (!isDuplicate(e)) {
        throw e;
      }
      connection.rollback(beforeBatch);
    }
    // Some deliveries already exist (the position guards against this, so it is rare): insert one by one and keep
    // the existing rows (a delivery and its payload are inserted and deleted together).
    Set<String> inserted = new HashSet<>();
    try (PreparedStatement insert = connection.prepareStatement(sql);
        PreparedStatement payload = connection.prepareStatement(INSERT_PAYLOAD)) {
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
          continue;
        }
        bindPayload(payload, delivery);
        payload.executeUpdate();
        inserted.add(delivery.id());
      }
    }
    return inserted;
  }

  private static void bindPayload(PreparedStatement insert, Delivery delivery) throws SQLException {
    insert.setString(1, delivery.id());
    insert.setString(2, delivery.payload());
  }

  /**
   * PostgreSQL: every delivery in one statement (columns as arrays, so the statement's text is the same for any
   * batch), skipping those that already exist, and the payloads of those added.
   */
  private static Set<String> insertInOneStatement(Connection connection, List<Delivery> batch) throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(PG_ENQUEUE)) {
      bindRows(connection, insert, 1, batch);
      Set<String> inserted = new HashSet<>();
      try (ResultSet rows = insert.executeQuery()) {
        while (rows.next()) {
          inserted.add(rows.getString(1));
        }
      }
      return inserted;
    }
  }

  /**
   * PostgreSQL: the position's compare-and-set and {@link #insertInOneStatement} in one statement, so an enqueue is
   * one round trip. Empty if the position was not at {@code expected} (nothing is written then, including when the
   * group has no position row yet); otherwise the ids inserted.
   */
  private static Optional<Set<String>> enqueueInOneStatement(Connection connection, String group, long expected,
      long next, List<Delivery> batch) throws SQLException {
    try (PreparedStatement enqueue = connection.prepareStatement(PG_ENQUEUE_AT)) {
      enqueue.setLong(1, next);
      enqueue.setString(2, group);
      enqueue.setLong(3, expected);
      bindRows(connection, enqueue, 4, batch);
      boolean moved = false;
      Set<String> inserted = new HashSet<>();
      try (ResultSet rows = enqueue.executeQuery()) {
        while (rows.next()) {
          if (rows.getInt(1) == 0) {
            moved = true;
          } else {
            inserted.add(rows.getString(2));
          }
        }
      }
      return moved ? Optional.of(inserted) : Optional.empty();
    }
  }

  /** Binds the sixteen arrays (the columns and the payload) of {@code batch} from parameter {@code first} on. */
  private static void bindRows(Connection connection, PreparedStatement statement, int first, List<Delivery> batch)
      throws SQLException {
    // The first of two deliveries with one id wins, as in the row-by-row way (the payload insert needs one each).
    Map<String, Delivery> byId = new LinkedHashMap<>();
    for (Delivery delivery : batch) {
      byId.putIfAbsent(delivery.id(), delivery);
    }
    List<Delivery> deliveries = new ArrayList<>(byId.values());
    int n = deliveries.size();
    String[] ids = new String[n];
    String[] eventIds = new String[n];
    String[] eventTypes = new String[n];
    Long[] sequences = new Long[n];
    String[] subjectIds = new String[n];
    String[] endpointIds = new String[n];
    String[] states = new String[n];
    Integer[] attempts = new Integer[n];
    Long[] nextAttemptAts = new Long[n];
    Long[] createdAts = new Long[n];
    Long[] updatedAts = new Long[n];
    Integer[] lastStatuses = new Integer[n];
    String[] lastErrors = new String[n];
    String[] leaseOwners = new String[n];
    Long[] leaseUntils = new Long[n];
    String[] payloads = new String[n];
    for (int i = 0; i < n; i++) {
      Delivery delivery = deliveries.get(i);
      ids[i] = delivery.id();
      eventIds[i] = delivery.eventId();
      eventTypes[i] = delivery.eventType();
      sequences[i] = delivery.eventSequence();
      subjectIds[i] = delivery.subjectId();
      endpointIds[i] = delivery.endpointId();
      states[i] = storedState(delivery);
      attempts[i] = delivery.attempts();
      nextAttemptAts[i] = delivery.nextAttemptAt().toEpochMilli();
      createdAts[i] = delivery.createdAt().toEpochMilli();
      updatedAts[i] = delivery.updatedAt().toEpochMilli();
      lastStatuses[i] = delivery.lastStatusCode().isPresent() ? delivery.lastStatusCode().getAsInt() : null;
      lastErrors[i] = delivery.lastError().orElse(null);
      leaseOwners[i] = delivery.leaseOwner().orElse(null);
      leaseUntils[i] = delivery.leaseUntil().map(Instant::toEpochMilli).orElse(null);
      payloads[i] = delivery.payload();
    }
    int i = first;
    statement.setArray(i++, connection.createArrayOf("varchar", ids));
    statement.setArray(i++, connection.createArrayOf("varchar", eventIds));
    statement.setArray(i++, connection.createArrayOf("varchar", eventTypes));
    statement.setArray(i++, connection.createArrayOf("int8", sequences));
    statement.setArray(i++, connection.createArrayOf("varchar", subjectIds));
    statement.setArray(i++, connection.createArrayOf("varchar", endpointIds));
    statement.setArray(i++, connection.createArrayOf("varchar", states));
    statement.setArray(i++, connection.createArrayOf("int4", attempts));
    statement.setArray(i++, connection.createArrayOf("int8", nextAttemptAts));
    statement.setArray(i++, connection.createArrayOf("int8", createdAts));
    statement.setArray(i++, connection.createArrayOf("int8", updatedAts));
    statement.setArray(i++, connection.createArrayOf("int4", lastStatuses));
    statement.setArray(i++, connection.createArrayOf("varchar", lastErrors));
    statement.setArray(i++, connection.createArrayOf("varchar", leaseOwners));
    statement.setArray(i++, connection.createArrayOf("int8", leaseUntils));
    statement.setArray(i, connection.createArrayOf("text", payloads));
  }

  /** The state column of a new row: a claimed delivery is PENDING with a lease owner, as a claim leaves it. */
  private static String storedState(Delivery delivery) {
    return delivery.state() == DeliveryState.SENDING ? DeliveryState.PENDING.name() : delivery.state().name();
  }

  private static void bind(PreparedStatement insert, Delivery delivery) throws SQLException {
    insert.setString(1, delivery.id());
    insert.setString(2, delivery.eventId());
    insert.setString(3, delivery.eventType());
    insert.setLong(4, delivery.eventSequence());
    insert.setString(5, delivery.subjectId());
    insert.setString(6, delivery.endpointId());
    insert.setString(7, storedState(delivery));
    insert.setInt(8, delivery.attempts());
    insert.setLong(9, delivery.nextAttemptAt().toEpochMilli());
    insert.setLong(10, delivery.createdAt().toEpochMilli());
    insert.setLong(11, delivery.updatedAt().toEpochMilli());
    setInt(insert, 12, delivery.lastStatusCode());
    setString(insert, 13, delivery.lastError());
    setString(insert, 14, delivery.leaseOwner());
    setLong(insert, 15, delivery.leaseUntil().map(Instant::toEpochMilli));
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
    if (dialect == Dialect.POSTGRESQL) {
      return autoCommitted("claim deliveries for endpoint " + endpointId,
          connection -> claimInOneStatement(connection, endpointId, now, limit, owner, leaseUntil));
    }
    return transaction("claim deliveries for endpoint " + endpointId, connection -> {
      List<Delivery> due = new ArrayList<>();
      try (PreparedStatement query = connection.prepareStatement(SELECT_DUE)) {
        bindDue(query, endpointId, now, limit);
        try (ResultSet rows = query.executeQuery()) {
          while (rows.next()) {
            due.add(delivery(rows, ""));
          }
        }
      }
      if (due.isEmpty()) {
        return List.of();
      }
      List<Delivery> claimed = new ArrayList<>(due.size());
      try (PreparedStatement update = connection.prepareStatement("UPDATE webhook_delivery SET lease_owner = ?, "
          + "lease_until = ?, updated_at = ? WHERE id = ?")) {
        for (Delivery delivery : due) {
          update.setString(1, owner);
          update.setLong(2, leaseUntil.toEpochMilli());
          update.setLong(3, now.toEpochMilli());
          update.setString(4, delivery.id());
          update.addBatch();
        }
        update.executeBatch();
      }
      Map<String, String> payloads = payloads(connection, due.stream().map(Delivery::id).toList());
      for (Delivery delivery : due) {
        Delivery withPayload = delivery(delivery, payloads.get(delivery.id()));
        claimed.add(withPayload.claimed(owner, leaseUntil, now));
      }
      return claimed;
    });
  }

  /** The payloads of some deliveries, by delivery id. */
  private static Map<String, String> payloads(Connection connection, List<String> ids) throws SQLException {
    Map<String, String> payloads = new HashMap<>();
    for (int from = 0; from < ids.size(); from += MAX_IDS_PER_STATEMENT) {
      List<String> chunk = ids.subList(from, Math.min(ids.size(), from + MAX_IDS_PER_STATEMENT));
      try (PreparedStatement query = connection.prepareStatement("SELECT delivery_id, payload FROM webhook_payload "
          + "WHERE delivery_id IN (" + placeholders(chunk.size()) + ")")) {
        for (int i = 0; i < chunk.size(); i++) {
          query.setString(i + 1, chunk.get(i));
        }
        try (ResultSet rows = query.executeQuery()) {
          while (rows.next()) {
            payloads.put(rows.getString(1), rows.getString(2));
          }
        }
      }
    }
    return payloads;
  }

  /**
   * PostgreSQL: the claim in one statement, one round trip. The due rows are picked and locked by an
   * {@code ARRAY(SELECT … FOR UPDATE SKIP LOCKED)}, which PostgreSQL evaluates exactly once (an init plan), so a
   * claim never takes more than {@code limit} rows, nor a row another claimer holds; the update then returns the
   * claimed rows.
   */
  private List<Delivery> claimInOneStatement(Connection connection, String endpointId, Instant now,
      int limit, String owner, Instant leaseUntil) throws SQLException {
    List<Delivery> claimed = new ArrayList<>(Math.min(limit, 1_000));
    try (PreparedStatement claim = planning.planned(connection.prepareStatement(PG_CLAIM))) {
      claim.setString(1, owner);
      claim.setLong(2, leaseUntil.toEpochMilli());
      claim.setLong(3, now.toEpochMilli());
      claim.setString(4, endpointId);
      claim.setLong(5, now.toEpochMilli());
      claim.setLong(6, now.toEpochMilli());
      claim.setInt(7, limit);
      try (ResultSet rows = claim.executeQuery()) {
        while (rows.next()) {
          claimed.add(delivery(rows));
        }
      }
    }
    return claimed;
  }

  private static void bindDue(PreparedStatement query, String endpointId, Instant now, int limit)
      throws SQLException {
    query.setString(1, endpointId);
    query.setLong(2, now.toEpochMilli());
    query.setLong(3, now.toEpochMilli());
    query.setInt(4, limit);
  }

  @Override
  public boolean complete(DeliveryOutcome outcome) {
    requireNonNull(outcome, "outcome");
    if (dialect == Dialect.POSTGRESQL) {
      return completeAll(List.of(outcome)).isEmpty(); // one auto-committed statement
    }
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
    if (dialect == Dialect.POSTGRESQL && outcomes.stream().map(DeliveryOutcome::deliveryId).distinct().count()
        == outcomes.size()) {
      return autoCommitted("record " + outcomes.size() + " attempts",
          connection -> completeInOneStatement(connection, outcomes));
    }
    return transaction("record " + outcomes.size() + " attempts", connection -> {
      Map<String, String> owners = new HashMap<>();
      List<String> ids = outcomes.stream().map(DeliveryOutcome::deliveryId).distinct().sorted().toList();
      for (int from = 0; from < ids.size(); from += MAX_IDS_PER_STATEMENT) {
        List<String> chunk = ids.subList(from, Math.min(ids.size(), from + MAX_IDS_PER_STATEMENT));
        try (PreparedStatement lock = connection.prepareStatement("SELECT id, lease_owner FROM webhook_delivery "
            + "WHERE lease_owner IS NOT NULL AND id IN (" + placeholders(chunk.size()) + ") ORDER BY id FOR UPDATE")) {
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

  /**
   * PostgreSQL, outcomes of distinct deliveries: one statement, one round trip. The outcomes travel as arrays (one
   * per column, so the statement's text is the same for any group and the server prepares it once); the update
   * moves each delivery only if it is still SENDING for the outcome's owner (checked on the row's latest version,
   * after waiting for any concurrent writer), and the attempts are inserted in the order given, in the same
   * statement. Two outcomes of one delivery in a call go the row-by-row way, which applies them in order.
   */
  private List<DeliveryOutcome> completeInOneStatement(Connection connection, List<DeliveryOutcome> outcomes)
      throws SQLException {
    int n = outcomes.size();
    String[] ids = new String[n];
    String[] owners = new String[n];
    String[] states = new String[n];
    Integer[] attemptCounts = new Integer[n];
    Long[] nextAttemptAts = new Long[n];
    Long[] ats = new Long[n];
    Integer[] statuses = new Integer[n];
    String[] errors = new String[n];
    String[] eventIds = new String[n];
    String[] endpointIds = new String[n];
    Integer[] numbers = new Integer[n];
    Long[] startedAts = new Long[n];
    Long[] latencies = new Long[n];
    Boolean[] successes = new Boolean[n];
    for (int i = 0; i < n; i++) {
      DeliveryOutcome outcome = outcomes.get(i);
      DeliveryAttempt attempt = outcome.attempt();
      ids[i] = outcome.deliveryId();
      owners[i] = outcome.owner();
      states[i] = outcome.state().name();
      attemptCounts[i] = outcome.attempts();
      nextAttemptAts[i] = outcome.nextAttemptAt().toEpochMilli();
      ats[i] = outcome.at().toEpochMilli();
      statuses[i] = attempt.statusCode().isPresent() ? attempt.statusCode().getAsInt() : null;
      errors[i] = attempt.error().orElse(null);
      eventIds[i] = attempt.eventId();
      endpointIds[i] = attempt.endpointId();
      numbers[i] = attempt.number();
      startedAts[i] = attempt.at().toEpochMilli();
      latencies[i] = attempt.latency().toMillis();
      successes[i] = attempt.success();
    }
    Set<String> moved = new HashSet<>();
    try (PreparedStatement statement = planning.planned(connection.prepareStatement(PG_COMPLETE))) {
      int i = 1;
      statement.setArray(i++, connection.createArrayOf("varchar", ids));
      statement.setArray(i++, connection.createArrayOf("varchar", owners));
      statement.setArray(i++, connection.createArrayOf("varchar", states));
      statement.setArray(i++, connection.createArrayOf("int4", attemptCounts));
      statement.setArray(i++, connection.createArrayOf("int8", nextAttemptAts));
      statement.setArray(i++, connection.createArrayOf("int8", ats));
      statement.setArray(i++, connection.createArrayOf("int4", statuses));
      statement.setArray(i++, connection.createArrayOf("varchar", errors));
      statement.setArray(i++, connection.createArrayOf("varchar", eventIds));
      statement.setArray(i++, connection.createArrayOf("varchar", endpointIds));
      statement.setArray(i++, connection.createArrayOf("int4", numbers));
      statement.setArray(i++, connection.createArrayOf("int8", startedAts));
      statement.setArray(i++, connection.createArrayOf("int8", latencies));
      statement.setArray(i, connection.createArrayOf("bool", successes));
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          moved.add(rows.getString(1));
        }
      }
    }
    List<DeliveryOutcome> lost = new ArrayList<>();
    for (DeliveryOutcome outcome : outcomes) {
      if (!moved.contains(outcome.deliveryId())) {
        lost.add(outcome);
      }
    }
    return lost;
  }

  /** {@code columns} (comma-separated) each prefixed with {@code alias}. */
  private static String qualified(String alias, String columns) {
    return String.join(", ", java.util.Arrays.stream(columns.split(", ")).map(c -> alias + "." + c).toList());
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
      try (PreparedStatement update = connection.prepareStatement("UPDATE webhook_delivery SET "
          + "lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ? "
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
    return read("read delivery " + deliveryId,
        connection -> selectDelivery(connection, deliveryId));
  }

  private static Optional<Delivery> selectDelivery(Connection connection, String deliveryId) throws SQLException {
    try (PreparedStatement query = connection.prepareStatement(
        SELECT_DELIVERIES + " WHERE d.id = ?")) {
      query.setString(1, deliveryId);
      try (ResultSet rows = query.executeQuery()) {
        return rows.next() ? Optional.of(delivery(rows)) : Optional.empty();
      }
    }
  }

  @Override
  public List<Delivery> deliveriesOfEvent(String eventId) {
    requireNonNull(eventId, "eventId");
    return read("read the deliveries of event " + eventId, connection -> {
      try (PreparedStatement query = connection.prepareStatement(
          SELECT_DELIVERIES + " WHERE d.event_id = ? ORDER BY d.endpoint_id")) {
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
    String sql = SELECT_DELIVERIES + " WHERE d.endpoint_id = ? AND d.event_sequence > ?"
        + state.map(JdbcDeliveryStore::stateCondition).orElse("") + " ORDER BY d.event_sequence LIMIT ?";
    return read("read the deliveries of endpoint " + endpointId, connection -> {
      try (PreparedStatement query = connection.prepareStatement(sql)) {
        int i = 1;
        query.setString(i++, endpointId);
        query.setLong(i++, afterSequence);
        query.setInt(i, limit);
        return deliveries(query);
      }
    });
  }

  /**
   * The condition on a delivery ({@code d}) in {@code state}. A claimed delivery keeps {@code state = 'PENDING'} and
   * has a lease owner: the claim writes no indexed column, so PostgreSQL updates its row in place (HOT).
   */
  private static String stateCondition(DeliveryState state) {
    return switch (state) {
      case PENDING -> " AND d.state = 'PENDING' AND d.lease_owner IS NULL";
      case SENDING -> " AND d.lease_owner IS NOT NULL";
      case DELIVERED -> " AND d.state = 'DELIVERED'";
      case DEAD -> " AND d.state = 'DEAD'";
    };
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
    return delivery(rows, rows.getString("payload"));
  }

  private static Delivery delivery(Delivery delivery, String payload) {
    if (payload == null) {
      throw new IllegalStateException("the payload of delivery " + delivery.id() + " is missing from webhook_payload");
    }
    return new Delivery(delivery.id(), delivery.eventId(), delivery.eventType(), delivery.eventSequence(),
        delivery.subjectId(), delivery.endpointId(), delivery.state(), delivery.attempts(), delivery.nextAttemptAt(),
        delivery.createdAt(), delivery.updatedAt(), delivery.lastStatusCode(), delivery.lastError(),
        delivery.leaseOwner(), delivery.leaseUntil(), payload);
  }

  private static Delivery delivery(ResultSet rows, String payload) throws SQLException {
    int status = rows.getInt("last_status");
    OptionalInt lastStatus = rows.wasNull() ? OptionalInt.empty() : OptionalInt.of(status);
    long until = rows.getLong("lease_until");
    Optional<Instant> leaseUntil = rows.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(until));
    String owner = rows.getString("lease_owner");
    return new Delivery(
        rows.getString("id"),
        rows.getString("event_id"),
        rows.getString("event_type"),
        rows.getLong("event_sequence"),
        rows.getString("subject_id"),
        rows.getString("endpoint_id"),
        owner != null ? DeliveryState.SENDING : DeliveryState.valueOf(rows.getString("state")),
        rows.getInt("attempts"),
        Instant.ofEpochMilli(rows.getLong("next_attempt_at")),
        Instant.ofEpochMilli(rows.getLong("created_at")),
        Instant.ofEpochMilli(rows.getLong("updated_at")),
        lastStatus,
        Optional.ofNullable(rows.getString("last_error")),
        Optional.ofNullable(owner),
        leaseUntil,
        payload);
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
          + "WHERE id = ? AND lease_owner IS NULL")) {
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
          + "updated_at = ? WHERE endpoint_id = ? AND state = 'PENDING' AND lease_owner IS NULL "
          + "AND next_attempt_at > ?")) {
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
    return read("read the disabled endpoints", connection -> {
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
    // Through the event's deliveries (one per endpoint, by the unique index): the attempt table has no index on
    // event_id, one entry fewer per attempt. A purge never keeps an attempt whose delivery it deleted (an attempt
    // starts before its delivery's last change).
    return attempts("SELECT " + ATTEMPT_COLUMNS + " FROM webhook_attempt WHERE delivery_id IN (SELECT id FROM "
        + "webhook_delivery WHERE event_id = ?) ORDER BY attempt_id", eventId, Optional.empty(), Integer.MAX_VALUE);
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
    return read("read the delivery log", connection -> {
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
      // A delivery and its payload go together: the finished deliveries are locked first (a concurrent redeliver
      // waits, or is waited for and then no longer matches), a chunk at a time.
      while (true) {
        List<String> ids = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT id FROM webhook_delivery "
            + "WHERE state IN ('DELIVERED', 'DEAD') AND updated_at < ? AND created_at < ? ORDER BY id LIMIT ? "
            + "FOR UPDATE")) {
          // created_at <= updated_at: the second condition changes nothing but lets PostgreSQL use its index of
          // finished deliveries, which is on created_at because claims change updated_at (see the DDL).
          select.setLong(1, cutoff.toEpochMilli());
          select.setLong(2, cutoff.toEpochMilli());
          select.setInt(3, MAX_IDS_PER_STATEMENT);
          try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
              ids.add(rows.getString(1));
            }
          }
        }
        if (!ids.isEmpty()) {
          try (PreparedStatement delete = connection.prepareStatement("DELETE FROM webhook_payload "
              + "WHERE delivery_id IN (" + placeholders(ids.size()) + ")")) {
            for (int i = 0; i < ids.size(); i++) {
              delete.setString(i + 1, ids.get(i));
            }
            delete.executeUpdate();
          }
          try (PreparedStatement delete = connection.prepareStatement("DELETE FROM webhook_delivery "
              + "WHERE id IN (" + placeholders(ids.size()) + ")")) {
            for (int i = 0; i < ids.size(); i++) {
              delete.setString(i + 1, ids.get(i));
            }
            removed += delete.executeUpdate();
          }
        }
        if (ids.size() < MAX_IDS_PER_STATEMENT) {
          break;
        }
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
        // PostgreSQL's driver reads and sets the session's isolation with a round trip each (and once more to
        // restore it); SET TRANSACTION, the transaction's first statement, is one and needs no restoring.
        int isolation = dialect == Dialect.POSTGRESQL ? -1 : connection.getTransactionIsolation();
        connection.setAutoCommit(false);
        if (dialect == Dialect.POSTGRESQL) {
          try (Statement statement = connection.createStatement()) {
            statement.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
          }
        } else {
          connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        }
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

  /**
   * One writing statement on PostgreSQL, committed on its own (auto-commit) when the sessions are at READ COMMITTED:
   * one round trip, where {@link #transaction} takes three (its BEGIN with the isolation level, the statement, the
   * COMMIT). A single statement is atomic and sees one snapshot. At a stricter session level (set on the database or
   * by the pool) it runs in a {@link #transaction} at READ COMMITTED instead: at REPEATABLE READ or SERIALIZABLE,
   * concurrent claimers would fail each other's statements with serialisation failures. Retried as
   * {@link #transaction} is.
   */
  private <T> T autoCommitted(String what, Work<T> work) {
    if (!sessionsReadCommitted()) {
      return transaction(what, work);
    }
    for (int attempt = 1; ; attempt++) {
      try (Connection connection = dataSource.getConnection()) {
        boolean autoCommit = connection.getAutoCommit();
        if (!autoCommit) {
          connection.setAutoCommit(true);
        }
        try {
          return work.run(connection);
        } finally {
          if (!autoCommit) {
            restore(connection, false, -1);
          }
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

  /**
   * Whether this store's connections are at READ COMMITTED (or READ UNCOMMITTED, which PostgreSQL runs as READ
   * COMMITTED) when handed out: read from the first connection that needs to know, then remembered (a pool sets the
   * same level on all its connections). With {@link PostgresPlans#AUTOMATIC}, whether autovacuum runs for
   * {@code webhook_delivery} is read at the same time, and decides how the claim and outcome statements are planned.
   */
  private boolean sessionsReadCommitted() {
    Boolean known = sessionsReadCommitted;
    if (known == null) {
      known = read("read the sessions' isolation level and whether autovacuum runs", connection -> {
        boolean readCommitted = connection.getTransactionIsolation() <= Connection.TRANSACTION_READ_COMMITTED;
        planning.settle(connection, "webhook_delivery");
        return readCommitted;
      });
      sessionsReadCommitted = known;
    }
    return known;
  }

  /**
   * One read of one statement: no transaction of its own and no isolation set (a single statement sees one snapshot
   * at any level), which saves the round trips of setting the isolation and of the commit. Retried as
   * {@link #transaction} is.
   */
  private <T> T read(String what, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection connection = dataSource.getConnection()) {
        try {
          T result = work.run(connection);
          if (!connection.getAutoCommit()) {
            connection.rollback(); // a pool set to manual commit: end the read's transaction
          }
          return result;
        } catch (SQLException | RuntimeException e) {
          if (!connection.getAutoCommit()) {
            rollbackQuietly(connection);
          }
          throw e;
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
      if (isolation != -1) {
        connection.setTransactionIsolation(isolation);
      }
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
