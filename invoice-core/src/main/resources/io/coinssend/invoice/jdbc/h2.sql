-- CoinsSend Invoice SDK: the JDBC store's tables for H2 2.x (embedded or in memory, default mode).
-- Run it yourself or let the store run it with createTablesIfMissing(true).
-- The prefix coinssend_ is the default table prefix; JdbcInvoiceStore.Builder.tablePrefix replaces it.
-- Each invoice and event is kept as its exact JSON text (InvoiceJson); the other columns exist for lookups,
-- queries and people reading the tables, and are derived from the JSON. Times are UTC, to the millisecond.

CREATE TABLE IF NOT EXISTS coinssend_invoice (
  id                     VARCHAR(64) NOT NULL,
  order_id               VARCHAR(200) NOT NULL,
  address                VARCHAR(200) NOT NULL,
  chain                  VARCHAR(130) NOT NULL,
  asset_code             VARCHAR(32) NOT NULL,
  amount_due             NUMERIC(78, 0) NOT NULL,
  status                 VARCHAR(20) NOT NULL,
  version                BIGINT NOT NULL,
  awaiting_confirmations BOOLEAN NOT NULL,
  watch_until            TIMESTAMP(3) WITH TIME ZONE NOT NULL,
  next_review_at         TIMESTAMP(3) WITH TIME ZONE,
  created_at             TIMESTAMP(3) WITH TIME ZONE NOT NULL,
  document               CLOB NOT NULL,
  CONSTRAINT coinssend_invoice_pk PRIMARY KEY (id),
  CONSTRAINT coinssend_invoice_order_uq UNIQUE (order_id),
  CONSTRAINT coinssend_invoice_address_uq UNIQUE (address)
);
CREATE INDEX IF NOT EXISTS coinssend_invoice_status_ix ON coinssend_invoice (status, id);
CREATE INDEX IF NOT EXISTS coinssend_invoice_chain_ix ON coinssend_invoice (chain, awaiting_confirmations, id);
CREATE INDEX IF NOT EXISTS coinssend_invoice_review_ix ON coinssend_invoice (next_review_at);
CREATE INDEX IF NOT EXISTS coinssend_invoice_watch_ix ON coinssend_invoice (watch_until);

-- The event log. log_position is handed out from coinssend_counter as the last step of each writing
-- transaction, so positions are gap-free and in commit order.
CREATE TABLE IF NOT EXISTS coinssend_event (
  log_position    BIGINT NOT NULL,
  event_id        VARCHAR(40) NOT NULL,
  event_type      VARCHAR(40) NOT NULL,
  invoice_id      VARCHAR(64) NOT NULL,
  invoice_version BIGINT NOT NULL,
  created_at      TIMESTAMP(3) WITH TIME ZONE NOT NULL,
  document        CLOB NOT NULL,
  CONSTRAINT coinssend_event_pk PRIMARY KEY (log_position),
  CONSTRAINT coinssend_event_id_uq UNIQUE (event_id)
);
CREATE INDEX IF NOT EXISTS coinssend_event_invoice_ix ON coinssend_event (invoice_id, invoice_version);

CREATE TABLE IF NOT EXISTS coinssend_counter (
  counter_name  VARCHAR(64) NOT NULL,
  counter_value BIGINT NOT NULL,
  CONSTRAINT coinssend_counter_pk PRIMARY KEY (counter_name)
);
INSERT INTO coinssend_counter (counter_name, counter_value) SELECT 'event_position', 0
  WHERE NOT EXISTS (SELECT 1 FROM coinssend_counter WHERE counter_name = 'event_position');

CREATE TABLE IF NOT EXISTS coinssend_derivation_index (
  derivation_key VARCHAR(500) NOT NULL,
  next_index     BIGINT NOT NULL,
  CONSTRAINT coinssend_derivation_index_pk PRIMARY KEY (derivation_key)
);

CREATE TABLE IF NOT EXISTS coinssend_chain_tip (
  chain          VARCHAR(200) NOT NULL,
  tip_height     BIGINT,
  tip_hash       VARCHAR(128),
  tip_time       VARCHAR(40),
  fact_sequence  BIGINT NOT NULL,
  CONSTRAINT coinssend_chain_tip_pk PRIMARY KEY (chain)
);

CREATE TABLE IF NOT EXISTS coinssend_chain_cursor (
  chain        VARCHAR(200) NOT NULL,
  cursor_data  CLOB NOT NULL,
  CONSTRAINT coinssend_chain_cursor_pk PRIMARY KEY (chain)
);

CREATE TABLE IF NOT EXISTS coinssend_consumer (
  consumer_name  VARCHAR(200) NOT NULL,
  log_position   BIGINT NOT NULL,
  CONSTRAINT coinssend_consumer_pk PRIMARY KEY (consumer_name)
);

-- Static deposit addresses, in the order they were created: position is handed out from coinssend_counter
-- ('deposit_address_position') as the last step of the inserting transaction, so engines following new addresses by
-- position never miss one committed late.
CREATE TABLE IF NOT EXISTS coinssend_deposit_address (
  position     BIGINT NOT NULL,
  customer_id  VARCHAR(200) NOT NULL,
  asset_key    VARCHAR(300) NOT NULL,
  address      VARCHAR(200) NOT NULL,
  document     CLOB NOT NULL,
  CONSTRAINT coinssend_deposit_address_pk PRIMARY KEY (position),
  CONSTRAINT coinssend_deposit_address_customer_uq UNIQUE (customer_id, asset_key),
  CONSTRAINT coinssend_deposit_address_address_uq UNIQUE (address)
);
INSERT INTO coinssend_counter (counter_name, counter_value) SELECT 'deposit_address_position', 0
  WHERE NOT EXISTS (SELECT 1 FROM coinssend_counter WHERE counter_name = 'deposit_address_position');

-- Deposits to static addresses, one row per transfer, kept as their exact JSON (InvoiceJson).
CREATE TABLE IF NOT EXISTS coinssend_deposit (
  id           VARCHAR(64) NOT NULL,
  customer_id  VARCHAR(200) NOT NULL,
  address      VARCHAR(200) NOT NULL,
  chain        VARCHAR(130) NOT NULL,
  status       VARCHAR(20) NOT NULL,
  version      BIGINT NOT NULL,
  document     CLOB NOT NULL,
  CONSTRAINT coinssend_deposit_pk PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS coinssend_deposit_customer_ix ON coinssend_deposit (customer_id, id);
CREATE INDEX IF NOT EXISTS coinssend_deposit_address_ix ON coinssend_deposit (address, id);
CREATE INDEX IF NOT EXISTS coinssend_deposit_chain_ix ON coinssend_deposit (chain, status, id);

-- Leases: which engine instance runs a chain's watcher (watch:<chain>), until when.
CREATE TABLE IF NOT EXISTS coinssend_lease (
  lease_name   VARCHAR(200) NOT NULL,
  owner        VARCHAR(200) NOT NULL,
  held_until   TIMESTAMP(3) WITH TIME ZONE NOT NULL,
  CONSTRAINT coinssend_lease_pk PRIMARY KEY (lease_name)
);
