package io.coinssend.invoice;

/**
 * Receives the engine's events in log order, in-process.
 *
 * <p>Each listener is registered under a name and reads the event log from a position stored under that name, so
 * it sees every event at least once, also across restarts. Calls for one listener are sequential. A listener that
 * throws is logged and skipped for that event; it does not stop the engine or the other listeners.
 */
@FunctionalInterface
public interface EventListener {

  void onEvent(Event event);
}
