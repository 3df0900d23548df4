package io.coinssend.invoice.jdbc;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.BlockRef;
import io.coinssend.invoice.Deposit;
import io.coinssend.invoice.DepositAddress;
import io.coinssend.invoice.DepositId;
import io.coinssend.invoice.DuplicateDepositException;
import io.coinssend.invoice.DuplicateInvoiceException;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.EventType;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.InvoiceStoreException;
import io.coinssend.invoice.jdbc.internal.PostgresPlanning;
import io.coinssend.invoice.jdbc.internal.SqlFailures;
import io.coinssend.invoice.jdbc.internal.Statements;
import io.coinssend.invoice.jdbc.internal.Transactor;
import io.coinssend.invoice.json.InvoiceJson;
import io.coinssend.invoice.spi.ChainCursor;
import io.coinssend.invoice.spi.ChainReading;
import io.coinssend.invoice.spi.ChainState;
import io.coinssend.invoice.spi.ChainTip;
import io.coinssend.invoice.spi.DepositQuery;
import io.coinssend.invoice.spi.InvoiceQuery;
import io.coinssend.invoice.spi.InvoiceStore;
import io.coinssend.invoice.spi.InvoiceUpdate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link InvoiceStore} on the host's relational database (PostgreSQL, MySQL/MariaDB or H2) through its
 * {@link DataSource}: durable, and shared safely by any number of engine instances in any number of JVMs. The store
 * borrows a connection for each operation and returns it at once; it brings no pool, driver or ORM of its own.
 *
 * <p>Each invoice is a row holding its exact JSON ({@link InvoiceJson}) beside indexed columns for lookups and
 * queries; each event is a row holding its JSON at its log position. Writes are compare-and-set on the invoice
 * version, and the events of a write are inserted in the same transaction. Event log positions are handed out from a
 * counter row updated as the <em>last</em> step of each writing transaction: the row lock is held until the commit,
 * so positions are given out in commit order and without gaps, and a reader that remembers the highest position it
 * read can never skip an event committed later (see {@code docs/jdbc-store.md}).
 *
 * <p>Thread-safe. No argument or result is null. Deadlocks, serialisation failures, lock timeouts and lost
 * connections are retried with a short randomised backoff, replaying the whole transaction on a fresh connection;
 * other failures, and transient ones once {@link Builder#maxAttempts} are used, are thrown as
 * {@link InvoiceStoreException} naming the operation and the invoice, with every change of the failed transaction
 * rolled back.
 *
 * <pre>{@code
 * InvoiceStore store = JdbcInvoiceStore.builder(dataSource)   // the application's pool
 *     .createTablesIfMissing(true)                            // or run postgresql.sql / mysql.sql / h2.sql yourself
 *     .build();
 * }</pre>
 */
public final class JdbcInvoiceStore implements InvoiceStore {

  private static final Logger log = LoggerFactory.getLogger(JdbcInvoiceStore.class);

  /** The default prefix of the store's table names: {@code coinssend_invoice}, {@code coinssend_event}… */
  public static final String DEFAULT_TABLE_PREFIX = JdbcDialect.FILE_PREFIX;
  /** How many times an operation is attempted by default before a transient failure is thrown: 5. */
  public static final int DEFAULT_MAX_ATTEMPTS = 5;
  /** The backoff before the first retry by default (randomised between half and all of it, doubling): 20 ms. */
  public static final Duration DEFAULT_RETRY_DELAY = Duration.ofMillis(20);
  /** The longest backoff between two attempts: 1 second. */
  public static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(1);
  /** How many updates {@link #updateAll} writes per transaction by default: 500. */
  public static final int DEFAULT_BATCH_SIZE = 500;
  /** The largest batch size. */
  public static final int MAX_BATCH_SIZE = 1_000;
  /** The longest chain key or consumer name the store keeps. */
  public static final int MAX_NAME_LENGTH = 200;
  /** The longest derivation key the store keeps. */
  public static final int MAX_DERIVATION_KEY_LENGTH = 500;

  private static final Pattern TABLE_PREFIX = Pattern.compile("|[a-z][a-z0-9_]{0,29}");
  private static final int ADDRESS_BATCH = 500;
  /** The position an event's document is written with before the server puts the real one in its place. */
  private static final long POSITION_PLACEHOLDER = Long.MAX_VALUE;
  private static final String POSITION_PLACEHOLDER_TEXT = "\"sequence\":" + POSITION_PLACEHOLDER;

  private final JdbcDialect dialect;
  private final String tablePrefix;
  private final int batchSize;
  private final Statements sql;
  private final Transactor transactor;
  private final PostgresPlans plans;
  /** How the statements that look up several invoices are planned on PostgreSQL; settled by the builder. */
  private final PostgresPlanning planning;
  /**
   * PostgreSQL: per derivation key, the index this store saw come next (after its last allocation there), at which
   * the next creation under the key is tried in one statement.
   */
  private final Map<String, Long> expectedIndexes = new ConcurrentHashMap<>();

  private JdbcInvoiceStore(Builder builder, JdbcDialect dialect) {
    this.dialect = dialect;
    this.tablePrefix = builder.tablePrefix;
    this.batchSize = builder.batchSize;
    this.sql = new Statements(dialect, tablePrefix);
    this.transactor = new Transactor(builder.dataSource, dialect, builder.maxAttempts, builder.retryDelay,
        MAX_RETRY_DELAY);
    this.plans = builder.plans;
    this.planning = new PostgresPlanning(builder.plans);
  }

  /** A builder over {@code dataSource}, the host's (usually pooled) data source. */
  public static Builder builder(DataSource dataSource) {
    return new Builder(dataSource);
  }

  /** The dialect this store speaks. */
  public JdbcDialect dialect() {
    return dialect;
  }

  /** The prefix of this store's table names. */
  public String tablePrefix() {
    return tablePrefix;
  }

  /** How this store has PostgreSQL plan its statements that look up several invoices, as set. */
  public PostgresPlans postgresPlans() {
    return plans;
  }

  /**
   * {@code statement} over a list of {@code count} invoices, planned as {@link #planning} says when the list has
   * several (a single one is found through its key whatever the plan).
   */
  private PreparedStatement forList(PreparedStatement statement, int count) throws SQLException {
    return count > 1 ? planning.planned(statement) : statement;
  }

  static String checkTablePrefix(String prefix) {
    requireNonNull(prefix, "tablePrefix");
    if (!TABLE_PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException("table prefix must be empty or 1-30 lower-case letters, digits or '_'"
          + " starting with a letter, but was '" + prefix + "'");
    }
    return prefix;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Invoices

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if the invoice's version is not 1
   */
  @Override
  public void insert(Invoice invoice, List<Event> events) {
    requireNonNull(invoice, "invoice");
    List<Event> newEvents = checkEvents(events);
    if (invoice.version() != 1) {
      throw new IllegalArgumentException("a new invoice has version 1, but " + invoice.id() + " has "
          + invoice.version());
    }
    transactor.write(() -> "insert invoice " + invoice.id(), invoice.id(), (connection, uncertain) -> {
      insertInvoice(connection, invoice, newEvents, uncertain);
      return null;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>One transaction: the index counter row stays locked until the invoice and its events are committed, and a
   * refused insert rolls the index back. If a commit's outcome is unknown, the next attempt first looks for the
   * invoice that attempt built, by id, and returns it if it was stored.
   *
   * @throws IllegalArgumentException if the built invoice is not at the index allocated or its version is not 1
   */
  @Override
  public Invoice insertAtNextIndex(
      String derivationKey, LongFunction<Invoice> invoiceAt, Function<Invoice, List<Event>> eventsOf) {
    return insertAtNextIndex(null, derivationKey, invoiceAt, eventsOf);
  }

  /**
   * {@inheritDoc}
   *
   * <p>On PostgreSQL the order id is looked up in the statement that allocates the index (which allocates nothing if
   * the order has an invoice); elsewhere before the insert's transaction. Otherwise as {@link #insertAtNextIndex}.
   */
  @Override
  public Invoice insertAtNextIndexUnlessOrdered(String orderId, String derivationKey,
      LongFunction<Invoice> invoiceAt, Function<Invoice, List<Event>> eventsOf) {
    requireNonNull(orderId, "orderId");
    if (sql.upsertIndexUnlessOrdered == null) {
      Optional<Invoice> existing = findByOrderId(orderId);
      if (existing.isPresent()) {
        return existing.get();
      }
    }
    return insertAtNextIndex(orderId, derivationKey, invoiceAt, eventsOf);
  }

  /**
   * Inserts at the next index; on PostgreSQL, if {@code orderId} is not null, unless the order has an invoice, and
   * first in one statement at the index this store expects under the key ({@link #insertAtExpectedIndex}).
   */
  private Invoice insertAtNextIndex(String orderId, String derivationKey, LongFunction<Invoice> invoiceAt,
      Function<Invoice, List<Event>> eventsOf) {
    checkName(derivationKey, "derivation key", MAX_DERIVATION_KEY_LENGTH);
    requireNonNull(invoiceAt, "invoiceAt");
    requireNonNull(eventsOf, "eventsOf");
    Long expected = orderId == null || sql.insertInvoiceAtExpectedIndex == null ? null
        : expectedIndexes.get(derivationKey);
    if (expected != null) {
      Invoice inOneStatement = insertAtExpectedIndex(orderId, derivationKey, expected, invoiceAt, eventsOf);
      if (inOneStatement != null) {
        return inOneStatement;
      }
    }
    List<InvoiceId> attempted = new ArrayList<>();
    long[] allocated = {-1};
    Invoice result = transactor.write(() -> "insert an invoice " + (orderId == null ? "" : "for order " + orderId + " ")
        + "at the next index under " + derivationKey, null,
        (connection, uncertain) -> {
          allocated[0] = -1;
          if (uncertain) {
            for (InvoiceId id : attempted) {
              Optional<Invoice> stored = readInvoice(connection, sql.selectDocumentById, id.value());
              if (stored.isPresent()) {
                return stored.get(); // an earlier attempt's commit went through before its connection broke
              }
            }
          }
          long index;
          if (orderId != null && sql.upsertIndexUnlessOrdered != null) {
            IndexOrInvoice found = nextIndexUnlessOrdered(connection, derivationKey, orderId);
            if (found.existing() != null) {
              return found.existing();
            }
            index = found.index();
          } else {
            index = nextIndex(connection, derivationKey);
          }
          Invoice invoice = forOrder(builtAt(invoiceAt, index), orderId);
          List<Event> newEvents = checkEvents(eventsOf.apply(invoice));
          attempted.add(invoice.id());
          insertInvoice(connection, invoice, newEvents, uncertain);
          allocated[0] = index;
          return invoice;
        });
    if (allocated[0] >= 0) {
      expectNext(derivationKey, allocated[0]);
    }
    return result;
  }

  /** {@code invoice}, checked to be for {@code orderId} unless it is null. */
  private static Invoice forOrder(Invoice invoice, String orderId) {
    if (orderId != null && !invoice.orderId().equals(orderId)) {
      throw new IllegalArgumentException("invoice " + invoice.id() + " was built for order " + invoice.orderId()
          + ", not " + orderId);
    }
    return invoice;
  }

  /**
   * PostgreSQL: a creation in one statement that commits on its own (no COMMIT round trip), at {@code expected}, the
   * index this store saw come next under the key: the statement takes the index only if the key's row still holds it
   * (so no index is ever given twice), the order id has no invoice and the address is no deposit address. Returns the
   * invoice inserted or the order's invoice; null, having written nothing, if the index was not the expected one (the
   * index is expected anew: another instance took some) or the insert would be refused, for the usual path to decide.
   */
  private Invoice insertAtExpectedIndex(String orderId, String derivationKey, long expected,
      LongFunction<Invoice> invoiceAt, Function<Invoice, List<Event>> eventsOf) {
    List<InvoiceId> attempted = new ArrayList<>();
    return transactor.writeFirstStatementAlone(() -> "insert an invoice for order " + orderId + " at index " + expected
        + " under " + derivationKey, null, (connection, uncertain) -> {
          if (uncertain) {
            for (InvoiceId id : attempted) {
              Optional<Invoice> stored = readInvoice(connection, sql.selectDocumentById, id.value());
              if (stored.isPresent()) {
                expectedIndexes.put(derivationKey, expected + 1);
                return stored.get(); // the statement went through before its connection broke
              }
            }
          }
          Invoice invoice = forOrder(builtAt(invoiceAt, expected), orderId);
          EventArrays arrays = EventArrays.of(checkEvents(eventsOf.apply(invoice)));
          if (arrays == null) {
            return null;
          }
          attempted.add(invoice.id());
          try (PreparedStatement statement = connection.prepareStatement(sql.insertInvoiceAtExpectedIndex)) {
            statement.setString(1, orderId);
            statement.setString(2, derivationKey);
            statement.setLong(3, expected);
            statement.setString(4, invoice.address());
            int i = bindNewInvoice(statement, invoice, 4);
            arrays.bind(connection, statement, i);
            statement.setString(i + 12, derivationKey);
            try (ResultSet rows = statement.executeQuery()) {
              if (!rows.next()) {
                throw new SQLException("a creation at an expected index returned no row");
              }
              if (rows.getLong(1) == 1) {
                checkAppended(rows.getLong(2), arrays.count());
                expectedIndexes.put(derivationKey, expected + 1);
                return invoice;
              }
              String existing = rows.getString(4);
              if (existing != null) {
                return parseInvoice(existing, orderId);
              }
              long found = rows.getLong(3);
              if (rows.wasNull()) {
                expectedIndexes.remove(derivationKey);
              } else {
                expectedIndexes.put(derivationKey, found);
              }
              return null;
            }
          } catch (SQLException e) {
            if (SqlFailures.isDuplicateKey(e)) {
              return null; // a racing creation took the order id or address: the usual path says which
            }
            throw e;
          }
        });
  }

  /** The index allocated, or the invoice that made the allocation unnecessary (then not null). */
  private record IndexOrInvoice(long index, Invoice existing) {}

  /**
   * PostgreSQL: the invoice of {@code orderId} if there is one (nothing allocated), else the next index under the key,
   * its row locked until the commit.
   */
  private IndexOrInvoice nextIndexUnlessOrdered(Connection connection, String derivationKey, String orderId)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql.upsertIndexUnlessOrdered)) {
      statement.setString(1, orderId);
      statement.setString(2, derivationKey);
      statement.setLong(3, 1);
      statement.setLong(4, 1);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        String document = rows.getString(2);
        if (document != null) {
          return new IndexOrInvoice(-1, parseInvoice(document, orderId));
        }
        long next = rows.getLong(1);
        if (rows.wasNull()) {
          throw new SQLException("allocating an index under " + derivationKey + " returned none");
        }
        return new IndexOrInvoice(next - 1, null);
      }
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>One transaction: the indexes are allocated together (the key's row locked until the commit), the invoices
   * inserted, and all their events appended with one counter step. A refused insert rolls everything back, the
   * indexes included. If a commit's outcome is unknown, the next attempt first looks for the first invoice that
   * attempt built, by id, and returns them all if it was stored.
   */
  @Override
  public List<Invoice> insertAllAtNextIndex(
      String derivationKey, List<LongFunction<Invoice>> invoicesAt, Function<Invoice, List<Event>> eventsOf) {
    checkName(derivationKey, "derivation key", MAX_DERIVATION_KEY_LENGTH);
    List<LongFunction<Invoice>> builders = List.copyOf(requireNonNull(invoicesAt, "invoicesAt"));
    requireNonNull(eventsOf, "eventsOf");
    if (builders.isEmpty()) {
      return List.of();
    }
    List<List<InvoiceId>> attempted = new ArrayList<>();
    List<Invoice> inserted = transactor.write(() -> "insert " + builders.size() + " invoices at the next indexes under "
        + derivationKey, null, (connection, uncertain) -> {
          if (uncertain) {
            for (List<InvoiceId> ids : attempted) {
              if (readInvoice(connection, sql.selectDocumentById, ids.get(0).value()).isPresent()) {
                List<Invoice> stored = new ArrayList<>();
                for (InvoiceId id : ids) {
                  stored.add(readInvoice(connection, sql.selectDocumentById, id.value()).orElseThrow());
                }
                return stored; // an earlier attempt's commit went through before its connection broke
              }
            }
          }
          long first = nextIndexes(connection, derivationKey, builders.size());
          List<Invoice> invoices = new ArrayList<>();
          List<Event> events = new ArrayList<>();
          for (int i = 0; i < builders.size(); i++) {
            Invoice invoice = builtAt(builders.get(i), first + i);
            invoices.add(invoice);
            events.addAll(checkEvents(eventsOf.apply(invoice)));
          }
          attempted.add(invoices.stream().map(Invoice::id).toList());
          for (Invoice invoice : invoices) {
            insertInvoiceRow(connection, invoice, false);
          }
          appendEvents(connection, events);
          return invoices;
        });
    expectNext(derivationKey, inserted.get(inserted.size() - 1).derivationIndex());
    return inserted;
  }

  /** Records that {@code index} was the last allocated under the key (the expected index follows it). */
  private void expectNext(String derivationKey, long index) {
    if (sql.insertInvoiceAtExpectedIndex != null) {
      expectedIndexes.put(derivationKey, index + 1);
    }
  }

  /** The new invoice {@code invoiceAt} builds for {@code index}, checked to be at that index and at version 1. */
  private static Invoice builtAt(LongFunction<Invoice> invoiceAt, long index) {
    Invoice invoice = requireNonNull(invoiceAt.apply(index), "invoiceAt returned null");
    if (invoice.derivationIndex() != index) {
      throw new IllegalArgumentException("invoice " + invoice.id() + " was built for index "
          + invoice.derivationIndex() + ", not the index allocated, " + index);
    }
    if (invoice.version() != 1) {
      throw new IllegalArgumentException("a new invoice has version 1, but " + invoice.id() + " has "
          + invoice.version());
    }
    return invoice;
  }

  /**
   * Inserts the invoice row and appends its events, on the caller's transaction. On PostgreSQL this is one statement
   * (the deposit-address check, the row, the counter step and the events), elsewhere three or more.
   */
  private void insertInvoice(Connection connection, Invoice invoice, List<Event> newEvents, boolean uncertain)
      throws SQLException {
    EventArrays arrays = sql.insertInvoiceWithEvents == null ? null : EventArrays.of(newEvents);
    if (arrays == null) {
      if (insertInvoiceRow(connection, invoice, uncertain)) {
        appendEvents(connection, newEvents);
      }
      return;
    }
    boolean inserted;
    try (PreparedStatement statement = connection.prepareStatement(sql.insertInvoiceWithEvents)) {
      int i = bindNewInvoice(statement, invoice, 0);
      statement.setString(++i, invoice.address());
      arrays.bind(connection, statement, i);
      inserted = writtenWithEvents(statement, arrays.count());
    } catch (SQLException e) {
      refusedInsert(connection, invoice, uncertain, e);
      return; // an earlier attempt stored it
    }
    if (!inserted) {
      // The statement inserts nothing, and takes no event position, when the address is a deposit address.
      throw new DuplicateInvoiceException(DuplicateInvoiceException.Field.ADDRESS, invoice.id());
    }
  }

  /**
   * Inserts the invoice row on the caller's transaction; false if an earlier attempt (after an unknown commit
   * outcome) already stored it.
   */
  private boolean insertInvoiceRow(Connection connection, Invoice invoice, boolean uncertain) throws SQLException {
    if (exists(connection, sql.selectDepositAddressByAddress, invoice.address())) {
      throw new DuplicateInvoiceException(DuplicateInvoiceException.Field.ADDRESS, invoice.id());
    }
    try (PreparedStatement statement = connection.prepareStatement(sql.insertInvoice)) {
      bindNewInvoice(statement, invoice, 0);
      statement.executeUpdate();
    } catch (SQLException e) {
      refusedInsert(connection, invoice, uncertain, e);
      return false;
    }
    return true;
  }

  /** Binds the 13 columns of a new invoice row from parameter 1; returns the last index bound. */
  private int bindNewInvoice(PreparedStatement statement, Invoice invoice, int from) throws SQLException {
    int i = from;
    statement.setString(++i, invoice.id().value());
    statement.setString(++i, invoice.orderId());
    statement.setString(++i, invoice.address());
    statement.setString(++i, invoice.asset().chainKey());
    statement.setString(++i, invoice.asset().code());
    sql.bindAmount(statement, ++i, invoice.amountDue().units());
    bindState(statement, i, invoice);
    i += 5;
    sql.bindTime(statement, ++i, invoice.createdAt());
    statement.setString(++i, InvoiceJson.write(invoice));
    return i;
  }

  /**
   * Handles {@code failure}, thrown by the insert of {@code invoice}: returns if it is a duplicate key and an earlier
   * attempt (after an unknown commit outcome) stored this very invoice; otherwise throws, a duplicate key as a
   * {@link DuplicateInvoiceException} naming the field, after rolling back.
   */
  private void refusedInsert(Connection connection, Invoice invoice, boolean uncertain, SQLException failure)
      throws SQLException {
    if (!SqlFailures.isDuplicateKey(failure)) {
      throw failure;
    }
    connection.rollback();
    if (uncertain && readInvoice(connection, sql.selectDocumentById, invoice.id().value())
        .filter(invoice::equals).isPresent()) {
      return; // the earlier attempt's commit went through before its connection broke
    }
    throw new DuplicateInvoiceException(duplicateField(connection, invoice, failure), invoice.id());
  }

  /** Binds status, version, awaiting confirmations, watch until and next review at, from {@code index + 1}. */
  private void bindState(PreparedStatement statement, int index, Invoice invoice) throws SQLException {
    statement.setString(index + 1, invoice.status().name());
    statement.setLong(index + 2, invoice.version());
    statement.setBoolean(index + 3, invoice.awaitingConfirmations());
    sql.bindTime(statement, index + 4, invoice.watchUntil());
    sql.bindTime(statement, index + 5, invoice.nextReviewAt().orElse(null));
  }

  private DuplicateInvoiceException.Field duplicateField(Connection connection, Invoice invoice, SQLException cause)
      throws SQLException {
    if (exists(connection, sql.selectIdById, invoice.id().value())) {
      return DuplicateInvoiceException.Field.ID;
    }
    if (exists(connection, sql.selectIdByOrderId, invoice.orderId())) {
      return DuplicateInvoiceException.Field.ORDER_ID;
    }
    if (exists(connection, sql.selectIdByAddress, invoice.address())) {
      return DuplicateInvoiceException.Field.ADDRESS;
    }
    // A unique key refused the row, yet no invoice holds its id, order id or address: another key (a DDL change?).
    throw cause;
  }

  private static boolean exists(Connection connection, String query, String key) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(query)) {
      statement.setString(1, key);
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next();
      }
    }
  }

  @Override
  public Optional<Invoice> findById(InvoiceId id) {
    requireNonNull(id, "id");
    return transactor.read(() -> "read invoice " + id, id,
        (connection, uncertain) -> readInvoice(connection, sql.selectDocumentById, id.value()));
  }

  @Override
  public Optional<Invoice> findByOrderId(String orderId) {
    requireNonNull(orderId, "orderId");
    return transactor.read(() -> "read the invoice of order " + orderId, null,
        (connection, uncertain) -> readInvoice(connection, sql.selectDocumentByOrderId, orderId));
  }

  @Override
  public Optional<Invoice> findByAddress(String address) {
    requireNonNull(address, "address");
    return transactor.read(() -> "read the invoice of address " + address, null,
        (connection, uncertain) -> readInvoice(connection, sql.selectDocumentByAddress, address));
  }

  /** {@inheritDoc} One query per 500 addresses. */
  @Override
  public Map<String, Invoice> findByAddresses(Collection<String> addresses) {
    requireNonNull(addresses, "addresses");
    List<String> all = new ArrayList<>(new LinkedHashSet<>(addresses));
    Map<String, Invoice> found = new LinkedHashMap<>();
    for (int from = 0; from < all.size(); from += ADDRESS_BATCH) {
      List<String> chunk = all.subList(from, Math.min(all.size(), from + ADDRESS_BATCH));
      transactor.read(() -> "read the invoices of " + chunk.size() + " addresses", null, (connection, uncertain) -> {
        try (PreparedStatement statement =
            forList(connection.prepareStatement(sql.selectDocumentsByAddresses(chunk.size())), chunk.size())) {
          for (int i = 0; i < chunk.size(); i++) {
            statement.setString(i + 1, chunk.get(i));
          }
          try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              String address = sql.readKey(rows, 1);
              found.put(address, parseInvoice(rows.getString(2), address));
            }
          }
        }
        return null;
      });
    }
    return found;
  }

  private Optional<Invoice> readInvoice(Connection connection, String query, String key) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(query)) {
      statement.setString(1, key);
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? Optional.of(parseInvoice(rows.getString(1), key)) : Optional.empty();
      }
    }
  }

  private static Invoice parseInvoice(String document, String key) {
    try {
      return InvoiceJson.readInvoice(document);
    } catch (IllegalArgumentException e) {
      throw new InvoiceStoreException("the stored invoice " + key + " is not readable: " + e.getMessage(), e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if the update changes the invoice's order id or address
   */
  @Override
  public boolean update(InvoiceUpdate update) {
    requireNonNull(update, "update");
    InvoiceId id = update.invoice().id();
    checkEvents(update.events());
    return writeChunk(() -> "update invoice " + id + " to version " + update.invoice().version(), List.of(update),
        null).isEmpty();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Writes up to {@link Builder#batchSize} updates per transaction, with batched statements: one locking read of
   * the invoices, one batch of compare-and-set updates, one batch of event inserts. A transaction that fails is
   * rolled back whole; the ones before it stay committed.
   *
   * @throws IllegalArgumentException if two updates are of one invoice, or an update changes an order id or address
   */
  @Override
  public Set<InvoiceId> updateAll(List<InvoiceUpdate> updates) {
    requireNonNull(updates, "updates");
    checkUpdates(updates);
    return writeInBatches(updates, null);
  }

  /** The updates in transactions of up to {@code batchSize}; {@code tip}, if not null, saved first in the first. */
  private Set<InvoiceId> writeInBatches(List<InvoiceUpdate> updates, ChainTip tip) {
    Set<InvoiceId> conflicts = new LinkedHashSet<>();
    for (int from = 0; from < updates.size(); from += batchSize) {
      List<InvoiceUpdate> chunk = updates.subList(from, Math.min(updates.size(), from + batchSize));
      ChainTip withTip = from == 0 ? tip : null;
      conflicts.addAll(writeChunk(() -> "update " + describe(chunk)
          + (withTip != null ? " and the chain tip of " + withTip.chain() : ""), chunk, withTip));
    }
    return conflicts;
  }

  /**
   * One transaction of updates ({@link #apply}). A single update on PostgreSQL is one statement when it is not
   * refused, so it commits on its own, without a COMMIT round trip of its own.
   */
  private Set<InvoiceId> writeChunk(Supplier<String> what, List<InvoiceUpdate> chunk, ChainTip tip) {
    InvoiceId first = chunk.get(0).invoice().id();
    Transactor.Work<Set<InvoiceId>> work = (connection, uncertain) -> apply(connection, chunk, uncertain, tip);
    return chunk.size() == 1 && sql.updateInvoiceWithEvents != null
        ? transactor.writeFirstStatementAlone(what, first, work)
        : transactor.write(what, first, work);
  }

  /** Refuses null updates, bad events and two updates of one invoice, before anything is written. */
  private static void checkUpdates(List<InvoiceUpdate> updates) {
    Set<InvoiceId> ids = new HashSet<>();
    for (InvoiceUpdate update : updates) {
      requireNonNull(update, "update");
      checkEvents(update.events());
      if (!ids.add(update.invoice().id())) {
        throw new IllegalArgumentException("updateAll takes one update per invoice, but " + update.invoice().id()
            + " has several");
      }
    }
  }

  private static String describe(List<InvoiceUpdate> chunk) {
    String ids = chunk.stream().limit(5).map(u -> u.invoice().id().value()).collect(Collectors.joining(", "));
    return chunk.size() == 1 ? "invoice " + ids
        : chunk.size() + " invoices (" + ids + (chunk.size() > 5 ? ", …" : "") + ")";
  }

  /**
   * The compare-and-set writes of one transaction, after saving {@code tip} if it is not null (its row is locked
   * before the invoices', as nothing locks them in the other order); returns the ids whose version had changed.
   * In auto-commit mode ({@link Transactor#writeFirstStatementAlone}, a single update on PostgreSQL) the update
   * with its tip commits on its own, and what follows it runs in a transaction.
   */
  private Set<InvoiceId> apply(Connection connection, List<InvoiceUpdate> updates, boolean uncertain, ChainTip tip)
      throws SQLException {
    if (updates.size() == 1) {
      // One invoice, as most reports bring: the conditional update is the compare-and-set, with no locking read
      // first. If it matched nothing, the locking read below tells a conflict, an earlier attempt's write and a
      // forbidden change of order id or address apart.
      if (updatedAlone(connection, updates.get(0), tip)) {
        return Set.of();
      }
    }
    if (connection.getAutoCommit()) {
      connection.setAutoCommit(false);
    }
    if (updates.size() > 1 && tip != null) {
      saveTip(connection, tip);
    }
    Map<String, LockedRow> locked = lock(connection, updates);
    List<InvoiceUpdate> winners = new ArrayList<>(updates.size());
    Set<InvoiceId> conflicts = new LinkedHashSet<>();
    for (InvoiceUpdate update : updates) {
      Invoice invoice = update.invoice();
      LockedRow row = locked.get(invoice.id().value());
      if (row == null) {
        conflicts.add(invoice.id());
      } else if (row.version() != update.expectedVersion()) {
        boolean alreadyWritten = uncertain && row.version() == invoice.version()
            && readInvoice(connection, sql.selectDocumentById, invoice.id().value()).filter(invoice::equals)
                .isPresent();
        if (!alreadyWritten) {
          conflicts.add(invoice.id());
        }
      } else if (!row.orderId().equals(invoice.orderId()) || !row.address().equals(invoice.address())) {
        throw new IllegalArgumentException("an update may not change the order id or address of " + invoice.id());
      } else {
        winners.add(update);
      }
    }
    if (winners.isEmpty()) {
      return conflicts;
    }
    try (PreparedStatement statement = connection.prepareStatement(sql.updateInvoice)) {
      for (InvoiceUpdate update : winners) {
        Invoice invoice = update.invoice();
        bindState(statement, 0, invoice);
        statement.setString(6, InvoiceJson.write(invoice));
        statement.setString(7, invoice.id().value());
        statement.setLong(8, update.expectedVersion());
        statement.addBatch();
      }
      int[] counts = statement.executeBatch();
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] == 0) {
          // The rows are locked by this transaction, so this cannot happen unless the table is changed behind the
          // store's back; refuse rather than write events for a change that did not happen.
          throw new SQLException("invoice " + winners.get(i).invoice().id() + " changed while locked", "55000");
        }
      }
    }
    List<Event> events = new ArrayList<>();
    winners.forEach(update -> events.addAll(update.events()));
    appendEvents(connection, events);
    return conflicts;
  }

  /**
   * Saves {@code tip} first if it is not null (whatever the outcome of the update), then writes {@code update} and
   * appends its events if the stored invoice is still at the expected version with the same order id and address;
   * false, having written nothing of the update, if it is not. On PostgreSQL one statement, elsewhere the tip, the
   * conditional update (which locks the row until the commit) and then the events.
   */
  private boolean updatedAlone(Connection connection, InvoiceUpdate update, ChainTip tip) throws SQLException {
    EventArrays arrays = sql.updateInvoiceWithEvents == null ? null : EventArrays.of(update.events());
    if (arrays == null) {
      if (tip != null) {
        saveTip(connection, tip);
      }
      try (PreparedStatement statement = connection.prepareStatement(sql.updateInvoiceChecked)) {
        bindCheckedUpdate(statement, update, 0);
        if (statement.executeUpdate() != 1) {
          return false;
        }
      }
      appendEvents(connection, update.events());
      return true;
    }
    if (tip == null) {
      try (PreparedStatement statement = connection.prepareStatement(sql.updateInvoiceWithEvents)) {
        arrays.bind(connection, statement, bindCheckedUpdate(statement, update, 0));
        return writtenWithEvents(statement, arrays.count());
      }
    }
    try (PreparedStatement statement = connection.prepareStatement(sql.updateInvoiceWithEventsAndTip)) {
      statement.setString(1, tip.chain());
      bindTip(statement, 2, tip);
      arrays.bind(connection, statement, bindCheckedUpdate(statement, update, 5));
      return writtenWithEvents(statement, arrays.count());
    }
  }

  /**
   * Binds the 10 parameters of {@code updateInvoiceChecked} after parameter {@code index}; returns the last index
   * bound.
   */
  private int bindCheckedUpdate(PreparedStatement statement, InvoiceUpdate update, int index) throws SQLException {
    Invoice invoice = update.invoice();
    bindState(statement, index, invoice);
    statement.setString(index + 6, InvoiceJson.write(invoice));
    statement.setString(index + 7, invoice.id().value());
    statement.setLong(index + 8, update.expectedVersion());
    statement.setString(index + 9, invoice.orderId());
    statement.setString(index + 10, invoice.address());
    return index + 10;
  }

  /**
   * Runs a PostgreSQL write with events ({@code insertInvoiceWithEvents}, {@code updateInvoiceWithEvents}): whether it
   * wrote the invoice row. If it did, all {@code count} events must have been appended.
   */
  private boolean writtenWithEvents(PreparedStatement statement, int count) throws SQLException {
    try (ResultSet rows = statement.executeQuery()) {
      if (!rows.next()) {
        throw new SQLException("a write with events returned no row");
      }
      if (rows.getLong(1) == 0) {
        return false;
      }
      checkAppended(rows.getLong(2), count);
      return true;
    }
  }

  private record LockedRow(long version, String orderId, String address) {}

  /** Locks the rows of the updated invoices in id order (so concurrent batches cannot deadlock on them). */
  private Map<String, LockedRow> lock(Connection connection, List<InvoiceUpdate> updates) throws SQLException {
    List<String> ids = updates.stream().map(u -> u.invoice().id().value()).sorted().toList();
    Map<String, LockedRow> rows = new HashMap<>();
    try (PreparedStatement statement =
        forList(connection.prepareStatement(sql.lockInvoices(ids.size())), ids.size())) {
      for (int i = 0; i < ids.size(); i++) {
        statement.setString(i + 1, ids.get(i));
      }
      try (ResultSet result = statement.executeQuery()) {
        while (result.next()) {
          rows.put(result.getString(1), new LockedRow(result.getLong(2), sql.readKey(result, 3),
              sql.readKey(result, 4)));
        }
      }
    }
    return rows;
  }

  @Override
  public List<Invoice> list(InvoiceQuery query) {
    requireNonNull(query, "query");
    return transactor.read(() -> "list invoices", null, (connection, uncertain) -> page(connection, query));
  }

  /** One page of invoices; see {@link #readPage}. */
  private List<Invoice> page(Connection connection, InvoiceQuery query) throws SQLException {
    return readPage(connection, query.limit(), query.after().map(InvoiceId::value), where -> {
      if (!query.statuses().isEmpty()) {
        where.add("status IN (" + Statements.marks(query.statuses().size()) + ")",
            query.statuses().stream().<Binder>map(status -> (s, i) -> s.setString(i, status.name())).toList());
      }
      query.chain().ifPresent(chain -> where.add("chain = ?", (s, i) -> s.setString(i, chain)));
      if (query.awaitingConfirmations()) {
        where.add("awaiting_confirmations = ?", (s, i) -> s.setBoolean(i, true));
      }
      // watched at t: awaiting confirmations, or t < watchUntil, which implies floor(t) <= floor(watchUntil)
      query.watchedAt().ifPresent(time -> where.add("(awaiting_confirmations = ? OR watch_until >= ?)",
          (s, i) -> s.setBoolean(i, true), (s, i) -> sql.bindTime(s, i, time)));
      // nextReviewAt <= t implies floor(nextReviewAt) <= floor(t)
      query.reviewDueBy().ifPresent(time -> where.add("next_review_at <= ?", (s, i) -> sql.bindTime(s, i, time)));
    }, sql::selectInvoicesWhere, JdbcInvoiceStore::parseInvoice, query::matches);
  }

  /** The conditions of a page query and the binders of their parameters, in order. */
  private static final class Where {
    final List<String> conditions = new ArrayList<>();
    final List<Binder> binders = new ArrayList<>();

    void add(String condition, Binder... parameters) {
      add(condition, List.of(parameters));
    }

    void add(String condition, List<Binder> parameters) {
      conditions.add(condition);
      binders.addAll(parameters);
    }
  }

  /**
   * A page of rows ({@code id, document}) in id order. The SQL conditions are a superset of the query (stored times
   * are floored to the millisecond, for one), and {@code matches} decides exactly; rows it rejects are replaced by
   * reading on, so a page is short only at the end.
   */
  private <T> List<T> readPage(Connection connection, int limit, Optional<String> after,
      java.util.function.Consumer<Where> conditions, java.util.function.UnaryOperator<String> select,
      java.util.function.BiFunction<String, String, T> parse, java.util.function.Predicate<T> matches)
      throws SQLException {
    List<T> page = new ArrayList<>();
    Optional<String> from = after;
    while (true) {
      Where where = new Where();
      conditions.accept(where);
      from.ifPresent(id -> where.add("id > ?", (s, i) -> s.setString(i, id)));
      int fetch = limit - page.size();
      int fetched = 0;
      String lastId = null;
      try (PreparedStatement statement =
          connection.prepareStatement(select.apply(String.join(" AND ", where.conditions)))) {
        int index = 0;
        for (Binder binder : where.binders) {
          binder.bind(statement, ++index);
        }
        statement.setInt(++index, fetch);
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            fetched++;
            lastId = rows.getString(1);
            T item = parse.apply(rows.getString(2), lastId);
            if (matches.test(item)) {
              page.add(item);
            }
          }
        }
      }
      if (fetched < fetch || page.size() == limit) {
        return page;
      }
      from = Optional.of(lastId);
    }
  }

  @FunctionalInterface
  private interface Binder {
    void bind(PreparedStatement statement, int index) throws SQLException;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The event log

  private static List<Event> checkEvents(List<Event> events) {
    requireNonNull(events, "events");
    for (Event event : events) {
      requireNonNull(event, "event");
    }
    return List.copyOf(events);
  }

  /**
   * Inserts the events at the next positions. Must be the last statement before the commit: the counter row stays
   * locked until then, so no other transaction can take the next positions and commit before this one.
   */
  private void appendEvents(Connection connection, List<Event> events) throws SQLException {
    if (events.isEmpty()) {
      return;
    }
    if (sql.appendEvents != null && appendedInOneStatement(connection, events)) {
      return;
    }
    long last = reservePositions(connection, events.size());
    long position = last - events.size();
    try (PreparedStatement statement = connection.prepareStatement(sql.insertEvent)) {
      for (Event event : events) {
        Event positioned = event.withSequence(++position);
        statement.setLong(1, position);
        statement.setString(2, event.id());
        statement.setString(3, event.type().code());
        statement.setString(4, event.subjectId());
        statement.setLong(5, event.subjectVersion());
        sql.bindTime(statement, 6, event.createdAt());
        statement.setString(7, InvoiceJson.write(positioned));
        statement.addBatch();
      }
      statement.executeBatch();
    }
  }

  /**
   * PostgreSQL: advances the event counter and inserts the events at the positions it hands out in one statement, the
   * counter row locked until the commit as with two. Returns false, having written nothing, if the events cannot be
   * sent as {@link EventArrays} (then the two-statement path runs).
   */
  private boolean appendedInOneStatement(Connection connection, List<Event> events) throws SQLException {
    EventArrays arrays = EventArrays.of(events);
    if (arrays == null) {
      return false;
    }
    long inserted;
    try (PreparedStatement statement = connection.prepareStatement(sql.appendEvents)) {
      arrays.bind(connection, statement, 0);
      inserted = statement.executeUpdate();
    }
    checkAppended(inserted, arrays.count());
    return true;
  }

  /** Refuses a PostgreSQL event append that inserted {@code inserted} of {@code count} events. */
  private void checkAppended(long inserted, int count) throws SQLException {
    if (inserted == 0 && count > 0) {
      throw missingCounter(Statements.EVENT_COUNTER);
    }
    if (inserted != count) {
      throw new SQLException("inserted " + inserted + " of " + count + " events");
    }
  }

  /**
   * Events as the parallel arrays of the PostgreSQL event statements. Each document is written with a placeholder
   * position and sent as the text before and after it; the server puts the position between.
   */
  private record EventArrays(int count, String[] ids, String[] types, String[] subjects, Long[] versions,
      String[] times, String[] heads, String[] tails) {

    /** The arrays of {@code events}; null if a document does not hold the placeholder exactly once. */
    static EventArrays of(List<Event> events) {
      int count = events.size();
      EventArrays arrays = new EventArrays(count, new String[count], new String[count], new String[count],
          new Long[count], new String[count], new String[count], new String[count]);
      for (int i = 0; i < count; i++) {
        Event event = events.get(i);
        String document = InvoiceJson.write(event.withSequence(POSITION_PLACEHOLDER));
        int at = document.indexOf(POSITION_PLACEHOLDER_TEXT);
        if (at < 0 || document.indexOf(POSITION_PLACEHOLDER_TEXT, at + 1) >= 0) {
          return null;
        }
        int position = at + POSITION_PLACEHOLDER_TEXT.length() - Long.toString(POSITION_PLACEHOLDER).length();
        arrays.ids[i] = event.id();
        arrays.types[i] = event.type().code();
        arrays.subjects[i] = event.subjectId();
        arrays.versions[i] = event.subjectVersion();
        arrays.times[i] = event.createdAt().truncatedTo(ChronoUnit.MILLIS).toString();
        arrays.heads[i] = document.substring(0, position);
        arrays.tails[i] = document.substring(at + POSITION_PLACEHOLDER_TEXT.length());
      }
      return arrays;
    }

    /** Binds the counter step and the events after parameter {@code index} (11 parameters). */
    void bind(Connection connection, PreparedStatement statement, int index) throws SQLException {
      statement.setLong(index + 1, count);
      statement.setString(index + 2, Statements.EVENT_COUNTER);
      statement.setLong(index + 3, count);
      statement.setLong(index + 4, count);
      statement.setArray(index + 5, connection.createArrayOf("text", ids));
      statement.setArray(index + 6, connection.createArrayOf("text", types));
      statement.setArray(index + 7, connection.createArrayOf("text", subjects));
      statement.setArray(index + 8, connection.createArrayOf("bigint", versions));
      statement.setArray(index + 9, connection.createArrayOf("text", times));
      statement.setArray(index + 10, connection.createArrayOf("text", heads));
      statement.setArray(index + 11, connection.createArrayOf("text", tails));
    }
  }

  /** Adds {@code count} to the event counter, locking its row until the commit, and returns the new value. */
  private long reservePositions(Connection connection, int count) throws SQLException {
    return reserve(connection, Statements.EVENT_COUNTER, count);
  }

  /** Adds {@code count} to the named counter, locking its row until the commit, and returns the new value. */
  private long reserve(Connection connection, String counter, int count) throws SQLException {
    if (sql.counterReturns()) {
      try (PreparedStatement statement = connection.prepareStatement(sql.addToCounterReturning)) {
        statement.setLong(1, count);
        statement.setString(2, counter);
        try (ResultSet rows = statement.executeQuery()) {
          if (rows.next()) {
            return rows.getLong(1);
          }
        }
      }
      throw missingCounter(counter);
    }
    long current;
    try (PreparedStatement statement = connection.prepareStatement(sql.selectCounterForUpdate)) {
      statement.setString(1, counter);
      try (ResultSet rows = statement.executeQuery()) {
        if (!rows.next()) {
          throw missingCounter(counter);
        }
        current = rows.getLong(1);
      }
    }
    try (PreparedStatement statement = connection.prepareStatement(sql.updateCounterTo)) {
      statement.setLong(1, current + count);
      statement.setString(2, counter);
      statement.executeUpdate();
    }
    return current + count;
  }

  private InvoiceStoreException missingCounter(String counter) {
    return new InvoiceStoreException("the row '" + counter + "' of " + sql.counterTable
        + " is missing: run the DDL in " + dialect.ddlResource() + " (or build the store with"
        + " createTablesIfMissing(true))", null);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if {@code afterSequence} is negative or {@code limit} is not positive
   */
  @Override
  public List<Event> readEvents(long afterSequence, int limit) {
    checkPage(afterSequence, limit);
    return readEvents(afterSequence, limit, sql.selectEventsAfter, List.of());
  }

  /** {@inheritDoc} One query, which filters on the {@code event_type} column. */
  @Override
  public List<Event> readEvents(long afterSequence, int limit, Set<EventType> types) {
    checkPage(afterSequence, limit);
    requireNonNull(types, "types");
    if (types.isEmpty()) {
      throw new IllegalArgumentException("types must not be empty");
    }
    return readEvents(afterSequence, limit, sql.selectEventsOfTypesAfter(types.size()),
        types.stream().map(EventType::code).sorted().toList());
  }

  private static void checkPage(long afterSequence, int limit) {
    if (afterSequence < 0) {
      throw new IllegalArgumentException("position must not be negative, but was " + afterSequence);
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, but was " + limit);
    }
  }

  /** Runs {@code query}: the position, then {@code types} (codes), then the limit. */
  private List<Event> readEvents(long afterSequence, int limit, String query, List<String> types) {
    return transactor.read(() -> "read the event log after position " + afterSequence, null,
        (connection, uncertain) -> {
          List<Event> events = new ArrayList<>();
          try (PreparedStatement statement = connection.prepareStatement(query)) {
            int i = 0;
            statement.setLong(++i, afterSequence);
            for (String type : types) {
              statement.setString(++i, type);
            }
            statement.setInt(++i, limit);
            try (ResultSet rows = statement.executeQuery()) {
              while (rows.next()) {
                long position = rows.getLong(1);
                events.add(parseEvent(rows.getString(2), position).withSequence(position));
              }
            }
          }
          return events;
        });
  }

  private static Event parseEvent(String document, long position) {
    try {
      return InvoiceJson.readEvent(document);
    } catch (IllegalArgumentException e) {
      throw new InvoiceStoreException("the stored event at position " + position + " is not readable: "
          + e.getMessage(), e);
    }
  }

  @Override
  public long lastEventSequence() {
    return transactor.read(() -> "read the event counter", null, (connection, uncertain) -> {
      try (PreparedStatement statement = connection.prepareStatement(sql.selectCounter)) {
        statement.setString(1, Statements.EVENT_COUNTER);
        try (ResultSet rows = statement.executeQuery()) {
          if (!rows.next()) {
            throw missingCounter(Statements.EVENT_COUNTER);
          }
          return rows.getLong(1);
        }
      }
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Derivation indexes, chain tips, cursors, consumers

  /**
   * {@inheritDoc}
   *
   * <p>An index handed out by a transaction whose commit failed in a way that leaves its outcome unknown is not
   * handed out again: the retry takes the next one, leaving a gap rather than risking a duplicate.
   *
   * @throws IllegalArgumentException if the key is blank or longer than {@link #MAX_DERIVATION_KEY_LENGTH}
   */
  @Override
  public long allocateIndex(String derivationKey) {
    checkName(derivationKey, "derivation key", MAX_DERIVATION_KEY_LENGTH);
    long index = transactor.write(() -> "allocate a derivation index under " + derivationKey, null,
        (connection, uncertain) -> nextIndex(connection, derivationKey));
    expectNext(derivationKey, index);
    return index;
  }

  /**
   * Takes the next index under {@code derivationKey} on the caller's transaction, which holds the key's row until
   * it ends. The first statement of a transaction: on a race creating the row it rolls back and tries again.
   */
  private long nextIndex(Connection connection, String derivationKey) throws SQLException {
    return nextIndexes(connection, derivationKey, 1);
  }

  /** Allocates {@code count} consecutive indexes under the key, its row locked until the commit; the first. */
  private long nextIndexes(Connection connection, String derivationKey, int count) throws SQLException {
    if (sql.indexUpsertReturns()) {
      try (PreparedStatement statement = connection.prepareStatement(sql.upsertIndexReturning)) {
        statement.setString(1, derivationKey);
        statement.setLong(2, count);
        statement.setLong(3, count);
        try (ResultSet rows = statement.executeQuery()) {
          rows.next();
          return rows.getLong(1) - count;
        }
      }
    }
    for (int attempt = 1; ; attempt++) {
      int updated;
      try (PreparedStatement statement = connection.prepareStatement(sql.incrementIndex)) {
        statement.setLong(1, count);
        statement.setString(2, derivationKey);
        updated = statement.executeUpdate();
      }
      if (updated == 0) {
        try (PreparedStatement statement = connection.prepareStatement(sql.insertIndex)) {
          statement.setString(1, derivationKey);
          statement.setLong(2, count);
          statement.executeUpdate();
        } catch (SQLException e) {
          if (!SqlFailures.isDuplicateKey(e) || attempt >= 3) {
            throw e;
          }
          // Another instance created the key's row first; increment that one.
          connection.rollback();
          continue;
        }
      }
      try (PreparedStatement statement = connection.prepareStatement(sql.selectIndex)) {
        statement.setString(1, derivationKey);
        try (ResultSet rows = statement.executeQuery()) {
          rows.next();
          return rows.getLong(1) - count;
        }
      }
    }
  }

  @Override
  public Optional<ChainTip> findChainTip(String chain) {
    checkName(chain, "chain", MAX_NAME_LENGTH);
    return transactor.read(() -> "read the chain tip of " + chain, null, (connection, uncertain) -> {
      try (PreparedStatement statement = connection.prepareStatement(sql.selectTip)) {
        statement.setString(1, chain);
        try (ResultSet rows = statement.executeQuery()) {
          return rows.next() ? Optional.of(readTip(rows, chain)) : Optional.empty();
        }
      }
    });
  }

  /** The tip in the current row: height, hash, time and fact sequence in columns 1 to 4. */
  private static ChainTip readTip(ResultSet rows, String chain) throws SQLException {
    long height = rows.getLong(1);
    String hash = rows.getString(2);
    String time = rows.getString(3);
    long sequence = rows.getLong(4);
    Optional<BlockRef> tip = hash == null ? Optional.empty()
        : Optional.of(new BlockRef(height, hash, parseInstant(time, chain)));
    return new ChainTip(chain, tip, sequence);
  }

  /** {@inheritDoc} One query reads the tip's row and the chain's fact-number counter row. */
  @Override
  public ChainState chainState(String chain) {
    checkName(chain, "chain", MAX_NAME_LENGTH);
    return transactor.read(() -> "read the tip and last fact number of " + chain, null, (connection, uncertain) -> {
      try (PreparedStatement statement = connection.prepareStatement(sql.selectChainState)) {
        statement.setString(1, chain);
        statement.setString(2, "facts:" + chain);
        long lastFactNumber = 0;
        Optional<ChainTip> tip = Optional.empty();
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            if (rows.getInt(5) == 0) {
              tip = Optional.of(readTip(rows, chain));
            } else {
              lastFactNumber = rows.getLong(1);
            }
          }
        }
        return new ChainState(lastFactNumber, tip);
      }
    });
  }

  /**
   * {@inheritDoc} On PostgreSQL, for up to 500 addresses, one query reads the tip's row, the fact-number counter row
   * and the invoices; elsewhere {@link #chainState} and {@link #findByAddresses}.
   */
  @Override
  public ChainReading readChain(String chain, Collection<String> addresses) {
    return read(chain, addresses, 0);
  }

  /**
   * {@inheritDoc}
   *
   * <p>On PostgreSQL one query, with up to {@value #ADDRESS_BATCH} addresses.
   */
  @Override
  public ChainReading readChain(String chain, Collection<String> addresses, int awaitingLimit) {
    if (awaitingLimit < 1 || awaitingLimit > InvoiceQuery.MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be between 1 and " + InvoiceQuery.MAX_LIMIT + ", but was "
          + awaitingLimit);
    }
    return read(chain, addresses, awaitingLimit);
  }

  /** {@link #readChain}, with the invoices awaiting confirmations if {@code awaitingLimit} is not 0. */
  private ChainReading read(String chain, Collection<String> addresses, int awaitingLimit) {
    checkName(chain, "chain", MAX_NAME_LENGTH);
    requireNonNull(addresses, "addresses");
    List<String> all = new ArrayList<>(new LinkedHashSet<>(addresses));
    boolean awaiting = awaitingLimit != 0;
    if (dialect != JdbcDialect.POSTGRESQL || all.size() > ADDRESS_BATCH || all.isEmpty() && !awaiting) {
      return awaiting ? InvoiceStore.super.readChain(chain, all, awaitingLimit)
          : InvoiceStore.super.readChain(chain, all);
    }
    return transactor.read(() -> "read the tip and last fact number of " + chain + ", the invoices of "
        + all.size() + " addresses" + (awaiting ? " and the invoices awaiting confirmations" : ""), null,
        (connection, uncertain) -> {
          try (PreparedStatement statement = forList(connection.prepareStatement(
              sql.selectChainStateAndInvoices(all.size(), awaiting)), all.size())) {
            statement.setString(1, chain);
            statement.setString(2, "facts:" + chain);
            for (int i = 0; i < all.size(); i++) {
              statement.setString(i + 3, all.get(i));
            }
            if (awaiting) {
              statement.setString(all.size() + 3, chain);
              statement.setInt(all.size() + 4, awaitingLimit);
            }
            long lastFactNumber = 0;
            Optional<ChainTip> tip = Optional.empty();
            Map<String, Invoice> invoices = new LinkedHashMap<>();
            List<Invoice> waiting = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
              while (rows.next()) {
                int kind = rows.getInt(5);
                if (kind == 0) {
                  tip = Optional.of(readTip(rows, chain));
                } else if (kind == 1) {
                  lastFactNumber = rows.getLong(1);
                } else if (kind == 2) {
                  String address = rows.getString(2);
                  invoices.put(address, parseInvoice(rows.getString(6), address));
                } else {
                  waiting.add(parseInvoice(rows.getString(6), rows.getString(2)));
                }
              }
            }
            // In id order, as the branch of the union reads them (a union does not promise to keep it).
            waiting.sort(Comparator.comparing(invoice -> invoice.id().value()));
            return new ChainReading(new ChainState(lastFactNumber, tip), invoices,
                awaiting ? Optional.of(waiting) : Optional.empty());
          }
        });
  }

  private static Instant parseInstant(String text, String chain) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException | NullPointerException e) {
      throw new InvoiceStoreException("the stored tip time of " + chain + " is not an instant: '" + text + "'", e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The numbers are a counter row of the derivation index table under the key {@code facts:<chain>}.
   */
  @Override
  public long reserveFactNumbers(String chain, int count) {
    checkName(chain, "chain", MAX_NAME_LENGTH);
    if (count < 1) {
      throw new IllegalArgumentException("count must be positive, but was " + count);
    }
    String key = "facts:" + chain;
    return transactor.write(() -> "reserve " + count + " fact numbers of " + chain, null,
        (connection, uncertain) -> {
          if (sql.indexUpsertReturns()) {
            try (PreparedStatement statement = connection.prepareStatement(sql.addToIndexReturning)) {
              statement.setString(1, key);
              statement.setLong(2, count);
              try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1) - count + 1;
              }
            }
          }
          for (int attempt = 1; ; attempt++) {
            int updated;
            try (PreparedStatement statement = connection.prepareStatement(sql.addToIndex)) {
              statement.setLong(1, count);
              statement.setString(2, key);
              updated = statement.executeUpdate();
            }
            if (updated == 0) {
              try (PreparedStatement statement = connection.prepareStatement(sql.insertIndexValue)) {
                statement.setString(1, key);
                statement.setLong(2, count);
                statement.executeUpdate();
              } catch (SQLException e) {
                if (!SqlFailures.isDuplicateKey(e) || attempt >= 3) {
                  throw e;
                }
                connection.rollback(); // another instance created the row first; add to that one
                continue;
              }
            }
            try (PreparedStatement statement = connection.prepareStatement(sql.selectIndex)) {
              statement.setString(1, key);
              try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1) - count + 1;
              }
            }
          }
        });
  }

  /** {@inheritDoc} The counter row {@code facts:<chain>} of the derivation index table, read. */
  @Override
  public long lastFactNumber(String chain) {
    checkName(chain, "chain", MAX_NAME_LENGTH);
    String key = "facts:" + chain;
    return transactor.read(() -> "read the last fact number of " + chain, null, (connection, uncertain) -> {
      try (PreparedStatement statement = connection.prepareStatement(sql.selectIndex)) {
        statement.setString(1, key);
        try (ResultSet rows = statement.executeQuery()) {
          return rows.next() ? rows.getLong(1) : 0L;
        }
      }
    });
  }

  @Override
  public boolean saveChainTip(ChainTip tip) {
    requireNonNull(tip, "tip");
    checkName(tip.chain(), "chain", MAX_NAME_LENGTH);
    return transactor.write(() -> "save the chain tip of " + tip.chain(), null,
        (connection, uncertain) -> saveTip(connection, tip));
  }

  /**
   * {@inheritDoc}
   *
   * <p>The tip is saved first in the transaction of the first batch of updates, so its row is locked before the
   * invoices' (nothing locks them in the other order).
   */
  @Override
  public Set<InvoiceId> updateAll(List<InvoiceUpdate> updates, ChainTip tip) {
    requireNonNull(updates, "updates");
    requireNonNull(tip, "tip");
    checkName(tip.chain(), "chain", MAX_NAME_LENGTH);
    checkUpdates(updates);
    if (updates.isEmpty()) {
      saveChainTip(tip);
      return Set.of();
    }
    return writeInBatches(updates, tip);
  }

  /**
   * Saves the tip over an earlier observation, on the caller's transaction; the first statements of it (on a race
   * creating the row it rolls back and updates the row the other instance created).
   */
  private boolean saveTip(Connection connection, ChainTip tip) throws SQLException {
    if (updateTip(connection, tip) == 1) {
      return true;
    }
    try (PreparedStatement statement = connection.prepareStatement(sql.insertTip)) {
      statement.setString(1, tip.chain());
      bindTip(statement, 2, tip);
      statement.executeUpdate();
      return true;
    } catch (SQLException e) {
      if (!SqlFailures.isDuplicateKey(e)) {
        throw e;
      }
      connection.rollback(); // the row exists: save over it only if this tip is the later observation
      return updateTip(connection, tip) == 1;
    }
  }

  private int updateTip(Connection connection, ChainTip tip) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql.updateTipIfLater)) {
      bindTip(statement, 1, tip);
      statement.setString(5, tip.chain());
      statement.setLong(6, tip.sequence());
      return statement.executeUpdate();
    }
  }

  /** Binds height, hash, time and fact sequence from {@code index}. */
  private static void bindTip(PreparedStatement statement, int index, ChainTip tip) throws SQLException {
    if (tip.tip().isPresent()) {
      BlockRef block = tip.tip().get();
      statement.setLong(index, block.height());
      statement.setString(index + 1, block.hash());
      statement.setString(index + 2, block.time().toString());
    } else {
      statement.setNull(index, Types.BIGINT);
      statement.setNull(index + 1, Types.VARCHAR);
      statement.setNull(index + 2, Types.VARCHAR);
    }
    statement.setLong(index + 3, tip.sequence());
  }

  @Override
  public Optional<ChainCursor> findCursor(String chain) {
    checkName(chain, "chain", MAX_NAME_LENGTH);
    return transactor.read(() -> "read the cursor of " + chain, null, (connection, uncertain) -> {
      try (PreparedStatement statement = connection.prepareStatement(sql.selectCursor)) {
        statement.setString(1, chain);
        try (ResultSet rows = statement.executeQuery()) {
          return rows.next() ? Optional.of(new ChainCursor(chain, rows.getString(1))) : Optional.empty();
        }
      }
    });
  }

  @Override
  public void saveCursor(ChainCursor cursor) {
    requireNonNull(cursor, "cursor");
    checkName(cursor.chain(), "chain", MAX_NAME_LENGTH);
    transactor.write(() -> "save the cursor of " + cursor.chain(), null, (connection, uncertain) -> {
      try (PreparedStatement statement = connection.prepareStatement(sql.upsertCursor)) {
        statement.setString(1, cursor.chain());
        statement.setString(2, cursor.data());
        statement.executeUpdate();
      }
      return null;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Times are compared to the millisecond; the instances sharing a lease should keep their clocks in sync (NTP).
   */
  @Override
  public boolean tryLease(String name, String owner, Instant now, Instant until) {
    checkName(name, "lease name", MAX_NAME_LENGTH);
    checkName(owner, "lease owner", MAX_NAME_LENGTH);
    requireNonNull(now, "now");
    requireNonNull(until, "until");
    return transactor.write(() -> "take the lease " + name + " for " + owner, null, (connection, uncertain) -> {
      if (takeLease(connection, name, owner, now, until) == 1) {
        return true;
      }
      try (PreparedStatement statement = connection.prepareStatement(sql.insertLease)) {
        statement.setString(1, name);
        statement.setString(2, owner);
        sql.bindTime(statement, 3, until);
        statement.executeUpdate();
        return true;
      } catch (SQLException e) {
        if (!SqlFailures.isDuplicateKey(e)) {
          throw e;
        }
        connection.rollback(); // someone holds the row: take it only if it lapsed meanwhile
        return takeLease(connection, name, owner, now, until) == 1;
      }
    });
  }

  private int takeLease(Connection connection, String name, String owner, Instant now, Instant until)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql.takeLease)) {
      statement.setString(1, owner);
      sql.bindTime(statement, 2, until);
      statement.setString(3, name);
      statement.setString(4, owner);
      sql.bindTime(statement, 5, now);
      return statement.executeUpdate();
    }
  }

  @Override
  public void releaseLease(String name, String owner) {
    checkName(name, "lease name", MAX_NAME_LENGTH);
    checkName(owner, "lease owner", MAX_NAME_LENGTH);
    transactor.write(() -> "release the lease " + name, null, (connection, uncertain) -> {
      try (PreparedStatement statement = connection.prepareStatement(sql.releaseLease)) {
        statement.setString(1, name);
        statement.setString(2, owner);
        statement.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public OptionalLong findConsumerPosition(String consumer) {
    checkName(consumer, "consumer", MAX_NAME_LENGTH);
    return transactor.read(() -> "read the position of consumer " + consumer, null,
        (connection, uncertain) -> consumerPosition(connection, consumer));
  }

  private OptionalLong consumerPosition(Connection connection, String consumer) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql.selectConsumer)) {
      statement.setString(1, consumer);
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? OptionalLong.of(rows.getLong(1)) : OptionalLong.empty();
      }
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if {@code expected} is negative or {@code next} is below it
   */
  @Override
  public boolean advanceConsumer(String consumer, long expected, long next) {
    checkName(consumer, "consumer", MAX_NAME_LENGTH);
    if (expected < 0 || next < expected) {
      throw new IllegalArgumentException("a consumer position only moves forward from 0 or more: " + expected
          + " -> " + next);
    }
    return transactor.write(() -> "move consumer " + consumer + " to position " + next, null,
        (connection, uncertain) -> {
          if (next == expected) {
            return consumerPosition(connection, consumer).orElse(0) == expected;
          }
          int updated;
          try (PreparedStatement statement = connection.prepareStatement(sql.updateConsumer)) {
            statement.setLong(1, next);
            statement.setString(2, consumer);
            statement.setLong(3, expected);
            updated = statement.executeUpdate();
          }
          if (updated == 1) {
            return true;
          }
          if (uncertain && consumerPosition(connection, consumer).orElse(0) == next) {
            return true; // the earlier attempt's commit went through before its connection broke
          }
          if (expected != 0) {
            return false;
          }
          try (PreparedStatement statement = connection.prepareStatement(sql.insertConsumer)) {
            statement.setString(1, consumer);
            statement.setLong(2, next);
            statement.executeUpdate();
            return true;
          } catch (SQLException e) {
            if (!SqlFailures.isDuplicateKey(e)) {
              throw e;
            }
            connection.rollback();
            return false; // another instance saved this consumer first
          }
        });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Deposit addresses and deposits

  @Override
  public void insertDepositAddress(DepositAddress address) {
    requireNonNull(address, "address");
    String document = InvoiceJson.write(address);
    transactor.write(() -> "insert the deposit address of customer " + address.customerId(), null,
        (connection, uncertain) -> {
          if (exists(connection, sql.selectIdByAddress, address.address())) {
            throw new DuplicateDepositException("address " + address.address() + " is an invoice's address");
          }
          // Take the position last: the counter row stays locked until the commit, so positions follow commit order.
          long position = reserve(connection, Statements.DEPOSIT_ADDRESS_COUNTER, 1);
          try (PreparedStatement statement = connection.prepareStatement(sql.insertDepositAddress)) {
            statement.setLong(1, position);
            statement.setString(2, address.customerId());
            statement.setString(3, address.asset().key());
            statement.setString(4, address.address());
            statement.setString(5, document);
            statement.executeUpdate();
          } catch (SQLException e) {
            if (!SqlFailures.isDuplicateKey(e)) {
              throw e;
            }
            connection.rollback();
            Optional<DepositAddress> existing = readDepositAddress(connection, sql.selectDepositAddressByCustomer,
                address.customerId(), address.asset().key());
            if (uncertain && existing.filter(address::equals).isPresent()) {
              return null; // the earlier attempt's commit went through before its connection broke
            }
            throw new DuplicateDepositException(existing.isPresent()
                ? "customer " + address.customerId() + " already has a deposit address for " + address.asset().key()
                : "address " + address.address() + " is already in use");
          }
          return null;
        });
  }

  private Optional<DepositAddress> readDepositAddress(Connection connection, String query, String... keys)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(query)) {
      for (int i = 0; i < keys.length; i++) {
        statement.setString(i + 1, keys[i]);
      }
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? Optional.of(parseDepositAddress(rows.getString(1))) : Optional.empty();
      }
    }
  }

  private static DepositAddress parseDepositAddress(String document) {
    try {
      return InvoiceJson.readDepositAddress(document);
    } catch (IllegalArgumentException e) {
      throw new InvoiceStoreException("a stored deposit address is not readable: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<DepositAddress> findDepositAddress(String customerId, Asset asset) {
    requireNonNull(customerId, "customerId");
    requireNonNull(asset, "asset");
    return transactor.read(() -> "read the deposit address of customer " + customerId, null,
        (connection, uncertain) -> readDepositAddress(connection, sql.selectDepositAddressByCustomer, customerId,
            asset.key()));
  }

  @Override
  public Optional<DepositAddress> findDepositAddressByAddress(String address) {
    requireNonNull(address, "address");
    return transactor.read(() -> "read the deposit address " + address, null,
        (connection, uncertain) -> readDepositAddress(connection, sql.selectDepositAddressByAddress, address));
  }

  @Override
  public List<DepositAddress> listDepositAddresses(long offset, int limit) {
    if (offset < 0 || limit < 1) {
      throw new IllegalArgumentException("offset must not be negative and limit must be positive");
    }
    return transactor.read(() -> "list deposit addresses", null, (connection, uncertain) -> {
      List<DepositAddress> page = new ArrayList<>();
      try (PreparedStatement statement = connection.prepareStatement(sql.selectDepositAddressesFrom)) {
        statement.setLong(1, offset);
        statement.setInt(2, limit);
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            page.add(parseDepositAddress(rows.getString(1)));
          }
        }
      }
      return page;
    });
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if the deposit's version is not 1
   */
  @Override
  public void insertDeposit(Deposit deposit, List<Event> events) {
    requireNonNull(deposit, "deposit");
    List<Event> newEvents = checkEvents(events);
    if (deposit.version() != 1) {
      throw new IllegalArgumentException("a new deposit has version 1, but " + deposit.id() + " has "
          + deposit.version());
    }
    String document = InvoiceJson.write(deposit);
    transactor.write(() -> "insert deposit " + deposit.id(), null, (connection, uncertain) -> {
      try (PreparedStatement statement = connection.prepareStatement(sql.insertDeposit)) {
        statement.setString(1, deposit.id().value());
        statement.setString(2, deposit.customerId());
        statement.setString(3, deposit.address());
        statement.setString(4, deposit.addressAsset().chainKey());
        statement.setString(5, deposit.status().name());
        statement.setLong(6, deposit.version());
        statement.setString(7, document);
        statement.executeUpdate();
      } catch (SQLException e) {
        if (!SqlFailures.isDuplicateKey(e)) {
          throw e;
        }
        connection.rollback();
        if (uncertain && readDeposit(connection, deposit.id()).filter(deposit::equals).isPresent()) {
          return null;
        }
        throw new DuplicateDepositException("deposit " + deposit.id() + " is already recorded");
      }
      appendEvents(connection, newEvents);
      return null;
    });
  }

  @Override
  public boolean updateDeposit(Deposit deposit, long expectedVersion, List<Event> events) {
    requireNonNull(deposit, "deposit");
    List<Event> newEvents = checkEvents(events);
    if (deposit.version() != expectedVersion + 1) {
      throw new IllegalArgumentException("an update of version " + expectedVersion + " must write version "
          + (expectedVersion + 1) + ", but writes " + deposit.version());
    }
    String document = InvoiceJson.write(deposit);
    return transactor.write(() -> "update deposit " + deposit.id() + " to version " + deposit.version(), null,
        (connection, uncertain) -> {
          int updated;
          try (PreparedStatement statement = connection.prepareStatement(sql.updateDeposit)) {
            statement.setString(1, deposit.status().name());
            statement.setLong(2, deposit.version());
            statement.setString(3, document);
            statement.setString(4, deposit.id().value());
            statement.setLong(5, expectedVersion);
            updated = statement.executeUpdate();
          }
          if (updated == 0) {
            return uncertain && readDeposit(connection, deposit.id()).filter(deposit::equals).isPresent();
          }
          appendEvents(connection, newEvents);
          return true;
        });
  }

  private Optional<Deposit> readDeposit(Connection connection, DepositId id) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql.selectDepositById)) {
      statement.setString(1, id.value());
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? Optional.of(parseDeposit(rows.getString(1), id.value())) : Optional.empty();
      }
    }
  }

  private static Deposit parseDeposit(String document, String key) {
    try {
      return InvoiceJson.readDeposit(document);
    } catch (IllegalArgumentException e) {
      throw new InvoiceStoreException("the stored deposit " + key + " is not readable: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<Deposit> findDeposit(DepositId id) {
    requireNonNull(id, "id");
    return transactor.read(() -> "read deposit " + id, null, (connection, uncertain) -> readDeposit(connection, id));
  }

  @Override
  public List<Deposit> listDeposits(DepositQuery query) {
    requireNonNull(query, "query");
    return transactor.read(() -> "list deposits", null, (connection, uncertain) ->
        readPage(connection, query.limit(), query.after().map(DepositId::value), where -> {
          query.customerId().ifPresent(customer -> where.add("customer_id = ?", (s, i) -> s.setString(i, customer)));
          query.address().ifPresent(address -> where.add("address = ?", (s, i) -> s.setString(i, address)));
          query.chain().ifPresent(chain -> where.add("chain = ?", (s, i) -> s.setString(i, chain)));
          if (!query.statuses().isEmpty()) {
            where.add("status IN (" + Statements.marks(query.statuses().size()) + ")",
                query.statuses().stream().<Binder>map(status -> (s, i) -> s.setString(i, status.name())).toList());
          }
        }, sql::selectDepositsWhere, JdbcInvoiceStore::parseDeposit, query::matches));
  }

  private static void checkName(String name, String what, int maxLength) {
    requireNonNull(name, what);
    if (name.isBlank() || name.length() > maxLength) {
      throw new IllegalArgumentException(what + " must be 1-" + maxLength + " characters and not blank, but had "
          + name.length());
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Tables

  /** Runs the dialect's DDL; every statement is idempotent. Concurrent creators may collide, so it tries thrice. */
  private void createTables() {
    List<String> statements = ddlStatements(dialect.ddl(tablePrefix));
    for (int attempt = 1; ; attempt++) {
      try {
        transactor.write(() -> "create the tables of the JDBC store (" + dialect.ddlResource() + ")", null,
            (connection, uncertain) -> {
              try (Statement statement = connection.createStatement()) {
                for (String ddl : statements) {
                  statement.execute(ddl);
                }
              }
              return null;
            });
        log.info("JDBC invoice store tables {}* are ready ({})", tablePrefix, dialect);
        return;
      } catch (InvoiceStoreException e) {
        if (attempt >= 3) {
          throw e;
        }
        log.debug("Creating the tables collided with another instance; trying again", e);
      }
    }
  }

  /** The statements of a DDL file: comment lines dropped, split at semicolons ending a line. */
  static List<String> ddlStatements(String ddl) {
    StringBuilder text = new StringBuilder();
    for (String line : ddl.split("\n", -1)) {
      if (!line.strip().startsWith("--")) {
        text.append(line).append('\n');
      }
    }
    List<String> statements = new ArrayList<>();
    for (String statement : text.toString().split(";\\s*\n")) {
      if (!statement.isBlank()) {
        statements.add(statement.strip());
      }
    }
    return statements;
  }

  /** Fails clearly at build time if the tables are missing, rather than at the first invoice. */
  private void checkTables() {
    try {
      lastEventSequence();
    } catch (InvoiceStoreException e) {
      throw new InvoiceStoreException("the JDBC store's tables (" + tablePrefix + "invoice, " + tablePrefix
          + "event…) are missing or incomplete: run the DDL in " + dialect.ddlResource()
          + " or build the store with createTablesIfMissing(true); " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "JdbcInvoiceStore[" + dialect + ", tables " + tablePrefix + "*]";
  }

  // ---------------------------------------------------------------------------------------------------------------

  /**
   * Builds a {@link JdbcInvoiceStore}. Every setting has a default; settings are checked when set. {@link #build()}
   * connects once to detect the dialect (unless given), create the tables if asked, and check they exist. Not
   * thread-safe.
   */
  public static final class Builder {
    private final DataSource dataSource;
    private JdbcDialect dialect;
    private String tablePrefix = DEFAULT_TABLE_PREFIX;
    private boolean createTablesIfMissing;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration retryDelay = DEFAULT_RETRY_DELAY;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private PostgresPlans plans = PostgresPlans.AUTOMATIC;

    private Builder(DataSource dataSource) {
      this.dataSource = requireNonNull(dataSource, "dataSource");
    }

    /** The database's dialect. Default: detected from the connection's metadata. */
    public Builder dialect(JdbcDialect dialect) {
      this.dialect = requireNonNull(dialect, "dialect");
      return this;
    }

    /**
     * The prefix of the table names. Default: {@link #DEFAULT_TABLE_PREFIX} ({@code coinssend_}).
     *
     * @throws IllegalArgumentException unless empty or 1-30 lower-case letters, digits or {@code _} starting with
     *     a letter
     */
    public Builder tablePrefix(String tablePrefix) {
      this.tablePrefix = checkTablePrefix(tablePrefix);
      return this;
    }

    /**
     * Whether {@link #build()} creates the tables that are missing (for quick starts and tests). Default: false;
     * production schemas are usually created from the shipped DDL by the host's migration tool.
     */
    public Builder createTablesIfMissing(boolean create) {
      this.createTablesIfMissing = create;
      return this;
    }

    /**
     * How many times an operation is attempted when it fails transiently. Default: {@link #DEFAULT_MAX_ATTEMPTS}.
     * 1 turns retries off.
     */
    public Builder maxAttempts(int attempts) {
      if (attempts < 1 || attempts > 100) {
        throw new IllegalArgumentException("max attempts must be between 1 and 100, but was " + attempts);
      }
      this.maxAttempts = attempts;
      return this;
    }

    /**
     * The backoff before the first retry; it doubles for each further retry up to {@link #MAX_RETRY_DELAY}, and each
     * wait is randomised between half and all of it. Default: {@link #DEFAULT_RETRY_DELAY}. Zero retries at once.
     */
    public Builder retryDelay(Duration delay) {
      requireNonNull(delay, "delay");
      if (delay.isNegative() || delay.compareTo(MAX_RETRY_DELAY) > 0) {
        throw new IllegalArgumentException("retry delay must be between 0 and " + MAX_RETRY_DELAY + ", but was "
            + delay);
      }
      this.retryDelay = delay;
      return this;
    }

    /** How many updates {@code updateAll} writes per transaction. Default: {@link #DEFAULT_BATCH_SIZE}. */
    public Builder batchSize(int size) {
      if (size < 1 || size > MAX_BATCH_SIZE) {
        throw new IllegalArgumentException("batch size must be between 1 and " + MAX_BATCH_SIZE + ", but was "
            + size);
      }
      this.batchSize = size;
      return this;
    }

    /**
     * How PostgreSQL plans the statements that look up several invoices at once (by id to lock them for a group of
     * updates, or by address for a report). Default: {@link PostgresPlans#AUTOMATIC}, which has them planned at each
     * execution where autovacuum does not run for the invoice table.
     */
    public Builder postgresPlans(PostgresPlans plans) {
      this.plans = requireNonNull(plans, "plans");
      return this;
    }

    /**
     * Builds the store: detects the dialect if not given, creates missing tables if asked, and checks the tables
     * are there.
     *
     * @throws IllegalArgumentException if the database is not PostgreSQL, MySQL/MariaDB or H2
     * @throws InvoiceStoreException if the database cannot be reached or the tables are missing
     */
    public JdbcInvoiceStore build() {
      JdbcDialect chosen = dialect != null ? dialect : detect();
      JdbcInvoiceStore store = new JdbcInvoiceStore(this, chosen);
      if (createTablesIfMissing) {
        store.createTables();
      }
      store.checkTables();
      if (chosen == JdbcDialect.POSTGRESQL && store.planning.unsettled()) {
        store.transactor.read(() -> "read whether autovacuum runs for " + store.tablePrefix + "invoice", null,
            (connection, uncertain) -> {
              store.planning.settle(connection, store.tablePrefix + "invoice");
              return null;
            });
      }
      return store;
    }

    private JdbcDialect detect() {
      String product;
      try (Connection connection = dataSource.getConnection()) {
        product = connection.getMetaData().getDatabaseProductName();
      } catch (SQLException e) {
        throw new InvoiceStoreException("could not connect to detect the database: " + SqlFailures.describe(e), e);
      }
      return JdbcDialect.fromProductName(product).orElseThrow(() -> new IllegalArgumentException(
          "the JDBC invoice store supports PostgreSQL, MySQL/MariaDB and H2, but the database is '" + product
              + "'"));
    }
  }
}
