package io.coinssend.invoice.memory;

import static java.util.Objects.requireNonNull;

import io.coinssend.invoice.Asset;
import io.coinssend.invoice.Deposit;
import io.coinssend.invoice.DepositAddress;
import io.coinssend.invoice.DepositId;
import io.coinssend.invoice.DuplicateDepositException;
import io.coinssend.invoice.DuplicateInvoiceException;
import io.coinssend.invoice.Event;
import io.coinssend.invoice.Invoice;
import io.coinssend.invoice.InvoiceId;
import io.coinssend.invoice.spi.ChainCursor;
import io.coinssend.invoice.spi.ChainTip;
import io.coinssend.invoice.spi.DepositQuery;
import io.coinssend.invoice.spi.InvoiceQuery;
import io.coinssend.invoice.spi.InvoiceStore;
import io.coinssend.invoice.spi.InvoiceUpdate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * An {@link InvoiceStore} in memory, for tests, demos and single-process use where losing everything on restart
 * is acceptable. Thread-safe: writes are serialised under one lock, so every write is atomic and the event log
 * order is the commit order. Compare-and-set among engine instances works within one JVM.
 */
public final class InMemoryInvoiceStore implements InvoiceStore {

  /**
   * How many due invoices a review query takes from the review times; with more due at once (after a long stop), it
   * walks the reviewable ids in order instead, which reads each once over all the pages.
   */
  private static final int MAX_DUE_FROM_REVIEW_TIMES = 10_000;

  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private final TreeMap<InvoiceId, Invoice> byId = new TreeMap<>();
  /**
   * The ids of the invoices with a payment awaiting confirmations, and of those with a review time: what the engine
   * lists on every block and every tick, kept so that neither list walks every invoice ever created.
   */
  private final TreeSet<InvoiceId> awaiting = new TreeSet<>();
  private final TreeSet<InvoiceId> reviewable = new TreeSet<>();
  /**
   * The same reviewable invoices by review time, then id: the engine asks for the ones due at every tick, a few among
   * all the open ones, and this finds them without walking the others.
   */
  private final TreeSet<Review> reviews = new TreeSet<>();
  private final Map<String, InvoiceId> byOrderId = new HashMap<>();
  private final Map<String, InvoiceId> byAddress = new HashMap<>();
  private final List<Event> events = new ArrayList<>();
  private final Map<String, Long> indexes = new HashMap<>();
  private final Map<String, ChainTip> tips = new HashMap<>();
  private final Map<String, Long> factNumbers = new HashMap<>();
  private final Map<String, Lease> leases = new HashMap<>();
  private final Map<String, ChainCursor> cursors = new HashMap<>();
  private final Map<String, Long> consumers = new HashMap<>();
  private final List<DepositAddress> depositAddresses = new ArrayList<>();
  private final Map<String, DepositAddress> depositAddressByKey = new HashMap<>();
  private final Map<String, DepositAddress> depositAddressByAddress = new HashMap<>();
  private final TreeMap<DepositId, Deposit> deposits = new TreeMap<>();

  @Override
  public void insert(Invoice invoice, List<Event> newEvents) {
    requireNonNull(invoice, "invoice");
    requireNonNull(newEvents, "events");
    if (invoice.version() != 1) {
      throw new IllegalArgumentException("a new invoice has version 1, but " + invoice.id() + " has "
          + invoice.version());
    }
    lock.writeLock().lock();
    try {
      if (byId.containsKey(invoice.id())) {
        throw new DuplicateInvoiceException(DuplicateInvoiceException.Field.ID, invoice.id());
      }
      if (byOrderId.containsKey(invoice.orderId())) {
        throw new DuplicateInvoiceException(DuplicateInvoiceException.Field.ORDER_ID, invoice.id());
      }
      if (byAddress.containsKey(invoice.address()) || depositAddressByAddress.containsKey(invoice.address())) {
        throw new DuplicateInvoiceException(DuplicateInvoiceException.Field.ADDRESS, invoice.id());
      }
      put(invoice);
      byOrderId.put(invoice.orderId(), invoice.id());
      byAddress.put(invoice.address(), invoice.id());
      append(newEvents);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Stores {@code invoice} under its id and keeps the two id sets in step with it. */
  private void put(Invoice invoice) {
    Invoice previous = byId.put(invoice.id(), invoice);
    mark(awaiting, invoice.id(), invoice.awaitingConfirmations());
    mark(reviewable, invoice.id(), invoice.nextReviewAt().isPresent());
    if (previous != null) {
      previous.nextReviewAt().ifPresent(at -> reviews.remove(new Review(at, previous.id())));
    }
    invoice.nextReviewAt().ifPresent(at -> reviews.add(new Review(at, invoice.id())));
  }

  /** An invoice's review time, ordered by time, then id. */
  private record Review(Instant at, InvoiceId id) implements Comparable<Review> {
    @Override
    public int compareTo(Review other) {
      int byTime = at.compareTo(other.at);
      return byTime != 0 ? byTime : id.compareTo(other.id);
    }
  }

  /**
   * The ids of the invoices due for review by {@code by} and after {@code after}, in id order, read from the review
   * times; empty if there are more than {@code most}, for the caller to walk the ids instead.
   */
  private Optional<List<InvoiceId>> dueIds(Instant by, Optional<InvoiceId> after, int most) {
    List<InvoiceId> due = new ArrayList<>();
    for (Review review : reviews) {
      if (review.at().isAfter(by)) {
        break;
      }
      if (after.isEmpty() || review.id().compareTo(after.get()) > 0) {
        if (due.size() == most) {
          return Optional.empty();
        }
        due.add(review.id());
      }
    }
    due.sort(null);
    return Optional.of(due);
  }

  private static void mark(TreeSet<InvoiceId> set, InvoiceId id, boolean member) {
    if (member) {
      set.add(id);
    } else {
      set.remove(id);
    }
  }

  private void append(List<Event> newEvents) {
    for (Event event : newEvents) {
      events.add(requireNonNull(event, "event").withSequence(events.size() + 1L));
    }
  }

  @Override
  public Optional<Invoice> findById(InvoiceId id) {
    requireNonNull(id, "id");
    lock.readLock().lock();
    try {
      return Optional.ofNullable(byId.get(id));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public Optional<Invoice> findByOrderId(String orderId) {
    requireNonNull(orderId, "orderId");
    lock.readLock().lock();
    try {
      return Optional.ofNullable(byOrderId.get(orderId)).map(byId::get);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public Optional<Invoice> findByAddress(String address) {
    requireNonNull(address, "address");
    lock.readLock().lock();
    try {
      return Optional.ofNullable(byAddress.get(address)).map(byId::get);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public boolean update(InvoiceUpdate update) {
    requireNonNull(update, "update");
    lock.writeLock().lock();
    try {
      Invoice invoice = update.invoice();
      Invoice stored = byId.get(invoice.id());
      if (stored == null || stored.version() != update.expectedVersion()) {
        return false;
      }
      if (!stored.orderId().equals(invoice.orderId()) || !stored.address().equals(invoice.address())) {
        throw new IllegalArgumentException("an update may not change the order id or address of " + invoice.id());
      }
      put(invoice);
      append(update.events());
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public List<Invoice> list(InvoiceQuery query) {
    requireNonNull(query, "query");
    lock.readLock().lock();
    try {
      // Every query is answered by filtering with query.matches; the id sets only narrow the invoices looked at.
      TreeSet<InvoiceId> narrowed = query.awaitingConfirmations() ? awaiting
          : query.reviewDueBy().isPresent() ? reviewable : null;
      Iterable<Invoice> candidates;
      Optional<List<InvoiceId>> due = query.reviewDueBy().isPresent() && !query.awaitingConfirmations()
          ? dueIds(query.reviewDueBy().get(), query.after(), MAX_DUE_FROM_REVIEW_TIMES) : Optional.empty();
      if (due.isPresent()) {
        candidates = () -> due.get().stream().map(byId::get).iterator();
      } else if (narrowed != null) {
        Set<InvoiceId> ids = query.after().isPresent() ? narrowed.tailSet(query.after().get(), false) : narrowed;
        candidates = () -> ids.stream().map(byId::get).iterator();
      } else {
        candidates = (query.after().isPresent() ? byId.tailMap(query.after().get(), false) : byId).values();
      }
      List<Invoice> page = new ArrayList<>();
      for (Invoice invoice : candidates) {
        if (query.matches(invoice)) {
          page.add(invoice);
          if (page.size() == query.limit()) {
            break;
          }
        }
      }
      return page;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public List<Event> readEvents(long afterSequence, int limit) {
    if (afterSequence < 0) {
      throw new IllegalArgumentException("position must not be negative, but was " + afterSequence);
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, but was " + limit);
    }
    lock.readLock().lock();
    try {
      int from = (int) Math.min(afterSequence, events.size());
      int to = (int) Math.min((long) from + limit, events.size());
      return List.copyOf(events.subList(from, to));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public long lastEventSequence() {
    lock.readLock().lock();
    try {
      return events.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public long allocateIndex(String derivationKey) {
    requireNonNull(derivationKey, "derivationKey");
    lock.writeLock().lock();
    try {
      long next = indexes.getOrDefault(derivationKey, 0L);
      indexes.put(derivationKey, next + 1);
      return next;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** {@inheritDoc} Under the store's lock: a refused insert leaves the index unused. */
  @Override
  public Invoice insertAtNextIndex(
      String derivationKey, LongFunction<Invoice> invoiceAt, Function<Invoice, List<Event>> eventsOf) {
    requireNonNull(derivationKey, "derivationKey");
    requireNonNull(invoiceAt, "invoiceAt");
    requireNonNull(eventsOf, "eventsOf");
    lock.writeLock().lock();
    try {
      long index = indexes.getOrDefault(derivationKey, 0L);
      Invoice invoice = requireNonNull(invoiceAt.apply(index), "invoiceAt returned null");
      if (invoice.derivationIndex() != index) {
        throw new IllegalArgumentException("invoice " + invoice.id() + " was built for index "
            + invoice.derivationIndex() + ", not the index allocated, " + index);
      }
      insert(invoice, eventsOf.apply(invoice));
      indexes.put(derivationKey, index + 1);
      return invoice;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** {@inheritDoc} All or nothing, under the store's lock: a refused invoice leaves no index used. */
  @Override
  public List<Invoice> insertAllAtNextIndex(
      String derivationKey, List<LongFunction<Invoice>> invoicesAt, Function<Invoice, List<Event>> eventsOf) {
    requireNonNull(derivationKey, "derivationKey");
    List<LongFunction<Invoice>> builders = List.copyOf(requireNonNull(invoicesAt, "invoicesAt"));
    requireNonNull(eventsOf, "eventsOf");
    lock.writeLock().lock();
    try {
      long first = indexes.getOrDefault(derivationKey, 0L);
      List<Invoice> group = new ArrayList<>();
      List<List<Event>> events = new ArrayList<>();
      Set<InvoiceId> ids = new HashSet<>();
      Set<String> orderIds = new HashSet<>();
      Set<String> addresses = new HashSet<>();
      for (int i = 0; i < builders.size(); i++) {
        long index = first + i;
        Invoice invoice = requireNonNull(builders.get(i).apply(index), "invoiceAt returned null");
        if (invoice.derivationIndex() != index) {
          throw new IllegalArgumentException("invoice " + invoice.id() + " was built for index "
              + invoice.derivationIndex() + ", not the index allocated, " + index);
        }
        if (invoice.version() != 1) {
          throw new IllegalArgumentException("a new invoice has version 1, but " + invoice.id() + " has "
              + invoice.version());
        }
        if (byId.containsKey(invoice.id()) || !ids.add(invoice.id())) {
          throw new DuplicateInvoiceException(DuplicateInvoiceException.Field.ID, invoice.id());
        }
        if (byOrderId.containsKey(invoice.orderId()) || !orderIds.add(invoice.orderId())) {
          throw new DuplicateInvoiceException(DuplicateInvoiceException.Field.ORDER_ID, invoice.id());
        }
        if (byAddress.containsKey(invoice.address()) || depositAddressByAddress.containsKey(invoice.address())
            || !addresses.add(invoice.address())) {
          throw new DuplicateInvoiceException(DuplicateInvoiceException.Field.ADDRESS, invoice.id());
        }
        group.add(invoice);
        events.add(requireNonNull(eventsOf.apply(invoice), "eventsOf returned null"));
      }
      for (int i = 0; i < group.size(); i++) {
        insert(group.get(i), events.get(i));
      }
      if (!group.isEmpty()) {
        indexes.put(derivationKey, first + group.size());
      }
      return List.copyOf(group);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public Optional<ChainTip> findChainTip(String chain) {
    requireNonNull(chain, "chain");
    lock.readLock().lock();
    try {
      return Optional.ofNullable(tips.get(chain));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public long reserveFactNumbers(String chain, int count) {
    requireNonNull(chain, "chain");
    if (count < 1) {
      throw new IllegalArgumentException("count must be positive, but was " + count);
    }
    lock.writeLock().lock();
    try {
      long last = factNumbers.getOrDefault(chain, 0L);
      factNumbers.put(chain, last + count);
      return last + 1;
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public long lastFactNumber(String chain) {
    requireNonNull(chain, "chain");
    lock.readLock().lock();
    try {
      return factNumbers.getOrDefault(chain, 0L);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** {@inheritDoc} Under the store's lock, as one write. */
  @Override
  public Set<InvoiceId> updateAll(List<InvoiceUpdate> updates, ChainTip tip) {
    requireNonNull(updates, "updates");
    requireNonNull(tip, "tip");
    lock.writeLock().lock();
    try {
      Set<InvoiceId> conflicts = updateAll(updates);
      saveChainTip(tip);
      return conflicts;
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public boolean saveChainTip(ChainTip tip) {
    requireNonNull(tip, "tip");
    lock.writeLock().lock();
    try {
      ChainTip stored = tips.get(tip.chain());
      if (stored != null && stored.sequence() >= tip.sequence()) {
        return false;
      }
      tips.put(tip.chain(), tip);
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public Optional<ChainCursor> findCursor(String chain) {
    requireNonNull(chain, "chain");
    lock.readLock().lock();
    try {
      return Optional.ofNullable(cursors.get(chain));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void saveCursor(ChainCursor cursor) {
    requireNonNull(cursor, "cursor");
    lock.writeLock().lock();
    try {
      cursors.put(cursor.chain(), cursor);
    } finally {
      lock.writeLock().unlock();
    }
  }

  private record Lease(String owner, Instant until) {}

  @Override
  public boolean tryLease(String name, String owner, Instant now, Instant until) {
    requireNonNull(name, "name");
    requireNonNull(owner, "owner");
    requireNonNull(now, "now");
    requireNonNull(until, "until");
    lock.writeLock().lock();
    try {
      Lease held = leases.get(name);
      if (held != null && !held.owner().equals(owner) && !held.until().isBefore(now)) {
        return false;
      }
      leases.put(name, new Lease(owner, until));
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public void releaseLease(String name, String owner) {
    requireNonNull(name, "name");
    requireNonNull(owner, "owner");
    lock.writeLock().lock();
    try {
      leases.computeIfPresent(name, (n, held) -> held.owner().equals(owner) ? null : held);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public OptionalLong findConsumerPosition(String consumer) {
    requireNonNull(consumer, "consumer");
    lock.readLock().lock();
    try {
      Long position = consumers.get(consumer);
      return position == null ? OptionalLong.empty() : OptionalLong.of(position);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public boolean advanceConsumer(String consumer, long expected, long next) {
    requireNonNull(consumer, "consumer");
    if (next < expected) {
      throw new IllegalArgumentException("a consumer position only moves forward: " + expected + " -> " + next);
    }
    lock.writeLock().lock();
    try {
      long current = consumers.getOrDefault(consumer, 0L);
      if (current != expected) {
        return false;
      }
      consumers.put(consumer, next);
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Deposits

  private static String key(String customerId, Asset asset) {
    return customerId + "\u0000" + asset.key();
  }

  @Override
  public void insertDepositAddress(DepositAddress address) {
    requireNonNull(address, "address");
    lock.writeLock().lock();
    try {
      String key = key(address.customerId(), address.asset());
      if (depositAddressByKey.containsKey(key)) {
        throw new DuplicateDepositException(
            "customer " + address.customerId() + " already has a deposit address for " + address.asset().key());
      }
      if (depositAddressByAddress.containsKey(address.address()) || byAddress.containsKey(address.address())) {
        throw new DuplicateDepositException("address " + address.address() + " is already in use");
      }
      depositAddresses.add(address);
      depositAddressByKey.put(key, address);
      depositAddressByAddress.put(address.address(), address);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public Optional<DepositAddress> findDepositAddress(String customerId, Asset asset) {
    requireNonNull(customerId, "customerId");
    requireNonNull(asset, "asset");
    lock.readLock().lock();
    try {
      return Optional.ofNullable(depositAddressByKey.get(key(customerId, asset)));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public Optional<DepositAddress> findDepositAddressByAddress(String address) {
    requireNonNull(address, "address");
    lock.readLock().lock();
    try {
      return Optional.ofNullable(depositAddressByAddress.get(address));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public List<DepositAddress> listDepositAddresses(long offset, int limit) {
    if (offset < 0 || limit < 1) {
      throw new IllegalArgumentException("offset must not be negative and limit must be positive");
    }
    lock.readLock().lock();
    try {
      int from = (int) Math.min(offset, depositAddresses.size());
      int to = (int) Math.min((long) from + limit, depositAddresses.size());
      return List.copyOf(depositAddresses.subList(from, to));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void insertDeposit(Deposit deposit, List<Event> newEvents) {
    requireNonNull(deposit, "deposit");
    requireNonNull(newEvents, "events");
    if (deposit.version() != 1) {
      throw new IllegalArgumentException("a new deposit has version 1, but " + deposit.id() + " has "
          + deposit.version());
    }
    lock.writeLock().lock();
    try {
      if (deposits.containsKey(deposit.id())) {
        throw new DuplicateDepositException("deposit " + deposit.id() + " is already recorded");
      }
      deposits.put(deposit.id(), deposit);
      append(newEvents);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public boolean updateDeposit(Deposit deposit, long expectedVersion, List<Event> newEvents) {
    requireNonNull(deposit, "deposit");
    requireNonNull(newEvents, "events");
    if (deposit.version() != expectedVersion + 1) {
      throw new IllegalArgumentException("an update of version " + expectedVersion + " must write version "
          + (expectedVersion + 1) + ", but writes " + deposit.version());
    }
    lock.writeLock().lock();
    try {
      Deposit stored = deposits.get(deposit.id());
      if (stored == null || stored.version() != expectedVersion) {
        return false;
      }
      deposits.put(deposit.id(), deposit);
      append(newEvents);
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public Optional<Deposit> findDeposit(DepositId id) {
    requireNonNull(id, "id");
    lock.readLock().lock();
    try {
      return Optional.ofNullable(deposits.get(id));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public List<Deposit> listDeposits(DepositQuery query) {
    requireNonNull(query, "query");
    lock.readLock().lock();
    try {
      Map<DepositId, Deposit> from = query.after().isPresent() ? deposits.tailMap(query.after().get(), false)
          : deposits;
      List<Deposit> page = new ArrayList<>();
      for (Deposit deposit : from.values()) {
        if (query.matches(deposit)) {
          page.add(deposit);
          if (page.size() == query.limit()) {
            break;
          }
        }
      }
      return page;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "InMemoryInvoiceStore[" + byId.size() + " invoices, " + events.size() + " events]";
  }
}
