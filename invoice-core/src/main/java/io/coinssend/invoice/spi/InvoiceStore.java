package io.coinssend.invoice.spi;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Deposit;
import io.coinssend.invoice.DepositAddress;
import io.coinssend.invoice.DepositId;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.EventType;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * Durable storage for invoices, their event log, derivation counters and chain cursors.
 *
 * <p>Implementations are thread-safe and may be shared by several engine instances (in one JVM or many). Every
 * write is atomic: it happens entirely or not at all. Failures of the underlying storage are thrown as
 * {@link io.coinssend.invoice.InvoiceStoreException}, naming the invoice where there is one. No argument or result is
 * null. Built-ins: {@code io.coinssend.invoice.memory.InMemoryInvoiceStore} and the JDBC store; a new
 * implementation should pass {@code InvoiceStoreContract} from {@code invoice-testkit}.
 *
 * <h2>The event log</h2>
 * Events get consecutive positions ({@link Event#sequence()}) from 1 in one global order, in the same transaction
 * as the invoice change they describe. The order is the commit order: once a reader has seen position {@code p},
 * no event with a position below {@code p} can appear later, so a reader that remembers the highest position it
 * read never skips an event.
 */
public interface InvoiceStore {

  /**
   * Inserts a new invoice (version 1) and appends its events, atomically.
   *
   * @throws io.coinssend.invoice.DuplicateInvoiceException if another invoice has the same id, order id or address;
   *     nothing is written
   */
  void insert(Invoice invoice, List<Event> events);

  Optional<Invoice> findById(InvoiceId id);

  Optional<Invoice> findByOrderId(String orderId);

  /** The invoice whose payment address is exactly {@code address}. */
  Optional<Invoice> findByAddress(String address);

  /**
   * The invoices of those of {@code addresses} that are invoice addresses, keyed by address (one block's
   * payments are looked up at once). A store may override it with a single query.
   */
  default Map<String, Invoice> findByAddresses(Collection<String> addresses) {
    Map<String, Invoice> found = new LinkedHashMap<>();
    for (String address : addresses) {
      findByAddress(address).ifPresent(invoice -> found.put(address, invoice));
    }
    return found;
  }

  /**
   * Compare-and-set: replaces the invoice if its stored version is still {@code update.expectedVersion()}, and
   * appends the update's events, atomically. Of several concurrent updates of one version, exactly one succeeds.
   *
   * @return true if written, false if the stored version differs (nothing written)
   */
  boolean update(InvoiceUpdate update);

  /**
   * Applies many compare-and-set updates (for example one block's payments), each atomic on its own; an
   * implementation may batch them into few transactions. Updates of distinct invoices only.
   *
   * @return the ids of the invoices whose update was refused because their version had changed
   */
  default Set<InvoiceId> updateAll(List<InvoiceUpdate> updates) {
    Set<InvoiceId> conflicts = new LinkedHashSet<>();
    for (InvoiceUpdate update : updates) {
      if (!update(update)) {
        conflicts.add(update.invoice().id());
      }
    }
    return conflicts;
  }

  /** A page of the invoices matching {@code query} ({@link InvoiceQuery#matches}), in id order. */
  List<Invoice> list(InvoiceQuery query);

  /** Up to {@code limit} events with a position greater than {@code afterSequence}, in position order. */
  List<Event> readEvents(long afterSequence, int limit);

  /**
   * Up to {@code limit} events of one of {@code types} with a position greater than {@code afterSequence}, in
   * position order: {@link #readEvents(long, int)} without the others. The default reads the log page by page and
   * keeps those; a store that can filter by type should (the JDBC store does in its query), so a reader that wants
   * a few types neither receives nor parses the rest.
   *
   * @throws IllegalArgumentException if {@code afterSequence} is negative, {@code limit} not positive or
   *     {@code types} empty
   */
  default List<Event> readEvents(long afterSequence, int limit, Set<EventType> types) {
    Objects.requireNonNull(types, "types");
    if (types.isEmpty()) {
      throw new IllegalArgumentException("types must not be empty");
    }
    List<Event> found = new ArrayList<>();
    long after = afterSequence;
    while (true) {
      List<Event> page = readEvents(after, limit);
      for (Event event : page) {
        if (types.contains(event.type())) {
          found.add(event);
          if (found.size() == limit) {
            return found;
          }
        }
      }
      if (page.size() < limit) {
        return found;
      }
      after = page.get(page.size() - 1).sequence();
    }
  }

  /** The position of the last event in the log, 0 if it is empty. */
  long lastEventSequence();

  /**
   * Allocates the next derivation index under {@code derivationKey}: 0 first, then 1, 2... Concurrent callers,
   * in any number of engines, never get the same index.
   */
  long allocateIndex(String derivationKey);

  /**
   * {@link #allocateIndex(String)} and {@link #insert(Invoice, List)} together, so creating an invoice is one
   * write: allocates the next index under {@code derivationKey}, builds the invoice for it with {@code invoiceAt}
   * (which derives its address and must not block), and inserts it with the events {@code eventsOf} gives. A store
   * that does both in one transaction (the JDBC store and the in-memory store) leaves the index unused when the
   * insert is refused; the default allocates first, so a refused insert uses one index up. {@code invoiceAt} may be
   * called more than once (a store retrying a transaction calls it for each attempt's index).
   *
   * @return the invoice stored (whose {@link Invoice#derivationIndex()} is the index allocated)
   * @throws io.coinssend.invoice.DuplicateInvoiceException as {@code insert}; nothing is stored
   * @throws IllegalArgumentException if the invoice built is not at the index it was given; nothing is stored
   */
  default Invoice insertAtNextIndex(
      String derivationKey, LongFunction<Invoice> invoiceAt, Function<Invoice, List<Event>> eventsOf) {
    long index = allocateIndex(derivationKey);
    Invoice invoice = Objects.requireNonNull(invoiceAt.apply(index), "invoiceAt returned null");
    if (invoice.derivationIndex() != index) {
      throw new IllegalArgumentException("invoice " + invoice.id() + " was built for index "
          + invoice.derivationIndex() + ", not the index allocated, " + index);
    }
    insert(invoice, eventsOf.apply(invoice));
    return invoice;
  }

  /**
   * {@link #findByOrderId} and {@link #insertAtNextIndex} together, as the engine creates an invoice: the invoice
   * already stored for {@code orderId} if there is one (nothing is allocated or written), otherwise a new invoice
   * inserted as {@code insertAtNextIndex} inserts it. The invoice {@code invoiceAt} builds must have this order id. A
   * store may look the order up with the index allocation, in one statement (the JDBC store on PostgreSQL); the
   * default looks it up first. A creation racing this one for the same order may still win between the look-up and
   * the insert: the insert is then refused as {@code insert} refuses a duplicate order id.
   *
   * @return the invoice stored for the order before this call, or the new one (tell them apart by id)
   * @throws io.coinssend.invoice.DuplicateInvoiceException as {@code insert}; nothing is stored
   * @throws IllegalArgumentException if the invoice built is not at the index it was given or not for
   *     {@code orderId}; nothing is stored
   */
  default Invoice insertAtNextIndexUnlessOrdered(String orderId, String derivationKey,
      LongFunction<Invoice> invoiceAt, Function<Invoice, List<Event>> eventsOf) {
    Objects.requireNonNull(orderId, "orderId");
    Optional<Invoice> existing = findByOrderId(orderId);
    if (existing.isPresent()) {
      return existing.get();
    }
    return insertAtNextIndex(derivationKey, index -> forOrder(invoiceAt.apply(index), orderId), eventsOf);
  }

  private static Invoice forOrder(Invoice invoice, String orderId) {
    Objects.requireNonNull(invoice, "invoiceAt returned null");
    if (!invoice.orderId().equals(orderId)) {
      throw new IllegalArgumentException("invoice " + invoice.id() + " was built for order " + invoice.orderId()
          + ", not " + orderId);
    }
    return invoice;
  }

  /**
   * {@link #insertAtNextIndex} for several invoices at once: allocates consecutive indexes under
   * {@code derivationKey}, builds the i-th invoice with {@code invoicesAt.get(i)} at the i-th of them, and inserts
   * them with their events. The engine uses it for creations that waited for one another, so that they share a
   * transaction and its commit. A store that has transactions does it in one (the JDBC store): all are stored or
   * none, and a refused insert leaves no index used. The default inserts them one by one with
   * {@link #insertAtNextIndex}, so a refusal leaves the invoices before it stored; the engine copes with both.
   *
   * @return the invoices stored, in the order of {@code invoicesAt}
   * @throws io.coinssend.invoice.DuplicateInvoiceException if one is refused as {@code insert} refuses it
   * @throws IllegalArgumentException if an invoice built is not at the index it was given, or its version is not 1
   */
  default List<Invoice> insertAllAtNextIndex(
      String derivationKey, List<LongFunction<Invoice>> invoicesAt, Function<Invoice, List<Event>> eventsOf) {
    List<Invoice> stored = new ArrayList<>();
    for (LongFunction<Invoice> invoiceAt : invoicesAt) {
      stored.add(insertAtNextIndex(derivationKey, invoiceAt, eventsOf));
    }
    return stored;
  }

  /**
   * Reserves {@code count} consecutive chain fact numbers for {@code chain}, after every number reserved before by
   * any engine instance, atomically; the engine numbers each watcher report with them, so two instances watching one
   * chain never give two facts the same number.
   *
   * @return the first number reserved (1 for the first reservation of a chain)
   * @throws IllegalArgumentException if {@code count} is not positive
   */
  long reserveFactNumbers(String chain, int count);

  /**
   * The last chain fact number reserved for {@code chain} by any engine instance ({@link #reserveFactNumbers}), 0 if
   * none was. A plain read: the engine reserves numbers in blocks and checks with it, before numbering a report from
   * its block, that no instance reserved numbers since (else it reserves a new block), so a report costs a read, not
   * a write.
   */
  long lastFactNumber(String chain);

  /** The tip last saved for {@code chain}. */
  Optional<ChainTip> findChainTip(String chain);

  /**
   * {@link #lastFactNumber} and {@link #findChainTip} of {@code chain}, which the engine reads before every watcher
   * report. The default makes the two reads; a store that can answer both in one round trip should (the JDBC store
   * does), and need not read them at one instant: each is checked again where it matters (a new block of fact
   * numbers is reserved if another instance reserved one since, and a tip is saved only over an earlier one).
   */
  default ChainState chainState(String chain) {
    return new ChainState(lastFactNumber(chain), findChainTip(chain));
  }

  /**
   * {@link #chainState} of {@code chain} and {@link #findByAddresses} of {@code addresses} together, which the engine
   * reads before applying each watcher report that pays addresses. The default makes the two reads; a store that can
   * answer both in one round trip should (the JDBC store does on PostgreSQL). As with {@code chainState}, the reads
   * need not be made at one instant: an invoice changed since is caught by the compare-and-set of its update.
   */
  default ChainReading readChain(String chain, Collection<String> addresses) {
    ChainState state = chainState(chain);
    return new ChainReading(state, addresses.isEmpty() ? Map.of() : findByAddresses(addresses));
  }


  /**
   * {@link #readChain(String, Collection)} with the first {@code awaitingLimit} of the chain's invoices awaiting
   * confirmations, in id order, as {@link #list} reads them: what the engine needs to apply a report that moves the
   * tip. A store may read them in the same round trip (the JDBC store on PostgreSQL); the default lists them after.
   *
   * @throws IllegalArgumentException if {@code awaitingLimit} is not between 1 and {@link InvoiceQuery#MAX_LIMIT}
   */
  default ChainReading readChain(String chain, Collection<String> addresses, int awaitingLimit) {
    InvoiceQuery awaiting = InvoiceQuery.all().withChain(chain).withAwaitingConfirmations().withLimit(awaitingLimit);
    ChainReading reading = readChain(chain, addresses);
    return new ChainReading(reading.state(), reading.invoices(), Optional.of(list(awaiting)));
  }

  /**
   * Saves {@code tip} if no tip of its chain is stored or the stored one has a lower {@link ChainTip#sequence()}
   * (an earlier observation): the tip only follows later observations, whichever instance saves first.
   *
   * @return whether it was saved
   */
  boolean saveChainTip(ChainTip tip);

  /**
   * {@link #updateAll(List)} and {@link #saveChainTip(ChainTip)} together: the payments of a block and the tip they
   * were judged against are written in one transaction where the store can (the JDBC store writes the tip in the
   * transaction of the first batch). The tip is saved as by {@code saveChainTip}, only over an earlier observation,
   * whether or not any update is refused. The default saves the tip first, then applies the updates.
   *
   * @return the ids of the invoices whose update was refused because their version had changed
   */
  default Set<InvoiceId> updateAll(List<InvoiceUpdate> updates, ChainTip tip) {
    saveChainTip(tip);
    return updateAll(updates);
  }

  Optional<ChainCursor> findCursor(String chain);

  void saveCursor(ChainCursor cursor);

  /**
   * Takes or renews the lease {@code name} for {@code owner} until {@code until}: it succeeds if nobody holds the
   * lease, its holder's time ended before {@code now}, or {@code owner} holds it already. Atomic across instances:
   * of several owners trying at once, at most one holds the lease. Engines use it so one instance at a time runs a
   * chain's watcher.
   *
   * @return whether {@code owner} now holds the lease until {@code until}
   */
  boolean tryLease(String name, String owner, Instant now, Instant until);

  /** Ends {@code owner}'s lease on {@code name} at once, if {@code owner} holds it; otherwise does nothing. */
  void releaseLease(String name, String owner);

  /** The last event position a named consumer (a listener) has handled. */
  OptionalLong findConsumerPosition(String consumer);

  /**
   * Moves a consumer's position from {@code expected} (use 0 for a consumer never saved) to {@code next}, if it is
   * still {@code expected}.
   *
   * @return false if another instance moved it first
   */
  boolean advanceConsumer(String consumer, long expected, long next);

  // -------------------------------------------------------------------------------------------------------------
  // Static deposit addresses and their deposits

  /**
   * Inserts a customer's deposit address.
   *
   * @throws io.coinssend.invoice.DuplicateDepositException if the customer already has one for the asset or the
   *     address is taken; nothing is written
   */
  void insertDepositAddress(DepositAddress address);

  Optional<DepositAddress> findDepositAddress(String customerId, Asset asset);

  /** The deposit address that is exactly {@code address}. */
  Optional<DepositAddress> findDepositAddressByAddress(String address);

  /**
   * Up to {@code limit} deposit addresses in insertion order, after the first {@code offset}; the engine follows
   * addresses created by other instances with it.
   */
  List<DepositAddress> listDepositAddresses(long offset, int limit);

  /**
   * Inserts a deposit (version 1) and appends its events to the log, atomically.
   *
   * @throws io.coinssend.invoice.DuplicateDepositException if the deposit is already recorded; nothing is written
   */
  void insertDeposit(Deposit deposit, List<Event> events);

  /**
   * Compare-and-set: replaces the deposit if its stored version is {@code expectedVersion} (the new one's version
   * must be one higher) and appends the events, atomically.
   *
   * @return false if the stored version differs; nothing is written
   */
  boolean updateDeposit(Deposit deposit, long expectedVersion, List<Event> events);

  Optional<Deposit> findDeposit(DepositId id);

  /** A page of the deposits matching {@code query} ({@link DepositQuery#matches}), in id order. */
  List<Deposit> listDeposits(DepositQuery query);

  /** Every deposit matching {@code query}, reading page after page. */
  default List<Deposit> listAllDeposits(DepositQuery query) {
    List<Deposit> all = new ArrayList<>();
    DepositQuery page = query;
    while (true) {
      List<Deposit> batch = listDeposits(page);
      all.addAll(batch);
      if (batch.size() < page.limit()) {
        return all;
      }
      page = page.withAfter(batch.get(batch.size() - 1).id());
    }
  }

  /** Every invoice matching {@code query}, reading page after page. */
  default List<Invoice> listAll(InvoiceQuery query) {
    List<Invoice> all = new ArrayList<>();
    InvoiceQuery page = query;
    while (true) {
      List<Invoice> batch = list(page);
      all.addAll(batch);
      if (batch.size() < page.limit()) {
        return all;
      }
      page = page.withAfter(batch.get(batch.size() - 1).id());
    }
  }
}
