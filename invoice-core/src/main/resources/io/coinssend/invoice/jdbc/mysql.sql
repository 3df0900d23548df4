-- CoinsSend Invoice SDK: the JDBC store's tables for MySQL 8 and MariaDB 10.6+ (tested on MariaDB 10.11), InnoDB.
-- Run it yourself (Flyway, Liquibase, mysql) or let the store run it with createTablesIfMissing(true).
-- The prefix coinssend_ is the default table prefix; JdbcInvoiceStore.Builder.tablePrefix replaces it.
-- Each invoice and event is kept as its exact JSON text (InvoiceJson, utf8mb4); the other columns exist for
-- lookups, queries and people reading the tables, and are derived from the JSON. Times are UTC, to the millisecond.
-- Keys that must compare exactly (order ids, addresses, chain keys, consumer names) are VARBINARY holding UTF-8:
-- MySQL's text collations ignore case or trailing spaces, and two order ids differing only so are two orders.
-- amount_due is DECIMAL(65, 0): Money allows at most 10^15 whole units of at most 36 decimals (52 digits).

CREATE TABLE IF NOT EXISTS coinssend_invoice (
  id                     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  order_id               VARBINARY(800) NOT NULL,
  address                VARBINARY(800) NOT NULL,
  chain                  VARBINARY(520) NOT NULL,
  asset_code             VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  amount_due             DECIMAL(65, 0) NOT NULL,
  status                 VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  version                BIGINT NOT NULL,
  awaiting_confirmations BOOLEAN NOT NULL,
  watch_until            DATETIME(3) NOT NULL,
  next_review_at         DATETIME(3) NULL,
  created_at             DATETIME(3) NOT NULL,
  document               LONGTEXT NOT NULL,
  CONSTRAINT coinssend_invoice_pk PRIMARY KEY (id),
  CONSTRAINT coinssend_invoice_order_uq UNIQUE (order_id),
  CONSTRAINT coinssend_invoice_address_uq UNIQUE (address),
  INDEX coinssend_invoice_status_ix (status, id),
  INDEX coinssend_invoice_chain_ix (chain, awaiting_confirmations, id),
  INDEX coinssend_invoice_review_ix (next_review_at),
  INDEX coinssend_invoice_watch_ix (watch_until)
) ENGINE = InnoDB DEFAULT CHARACTER SET = utf8mb4 COLLATE = utf8mb4_bin;

-- The event log. log_position is handed out from coinssend_counter as the last step of each writing
-- transaction, so positions are gap-free and in commit order.
CREATE TABLE IF NOT EXISTS coinssend_event (
  log_position    BIGINT NOT NULL,
  event_id        VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  event_type      VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  invoice_id      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  invoice_version BIGINT NOT NULL,
  created_at      DATETIME(3) NOT NULL,
  document        LONGTEXT NOT NULL,
  CONSTRAINT coinssend_event_pk PRIMARY KEY (log_position),
  CONSTRAINT coinssend_event_id_uq UNIQUE (event_id),
  INDEX coinssend_event_invoice_ix (invoice_id, invoice_version)
) ENGINE = InnoDB DEFAULT CHARACTER SET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS coinssend_counter (
  counter_name  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  counter_value BIGINT NOT NULL,
  CONSTRAINT coinssend_counter_pk PRIMARY KEY (counter_name)
) ENGINE = InnoDB DEFAULT CHARACTER SET = utf8mb4 COLLATE = utf8mb4_bin;
INSERT IGNORE INTO coinssend_counter (counter_name, counter_value) VALUES ('event_position', 0);

CREATE TABLE IF NOT EXISTS coinssend_derivation_index (
  derivation_key VARBINARY(2000) NOT NULL,
  next_index     BIGINT NOT NULL,
  CONSTRAINT coinssend_derivation_index_pk PRIMARY KEY (derivation_key)
) ENGINE = InnoDB DEFAULT CHARACTER SET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS coinssend_chain_tip (
  chain          VARBINARY(800) NOT NULL,
  tip_height     BIGINT NULL,
  tip_hash       VARCHAR(128) NULL,
  tip_time       VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NULL,
  fact_sequence  BIGINT NOT NULL,
  CONSTRAINT coinssend_chain_tip_pk PRIMARY KEY (chain)
) ENGINE = InnoDB DEFAULT CHARACTER SET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS coinssend_chain_cursor (
  chain        VARBINARY(800) NOT NULL,
  cursor_data  LONGTEXT NOT NULL,
  CONSTRAINT coinssend_chain_cursor_pk PRIMARY KEY (chain)
) ENGINE = InnoDB DEFAULT CHARACTER SET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS coinssend_consumer (
  consumer_name  VARBINARY(800) NOT NULL,
  log_position   BIGINT NOT NULL,
  CONSTRAINT coinssend_consumer_pk PRIMARY KEY (consumer_name)
) ENGINE = InnoDB DEFAULT CHARACTER SET = utf8mb4 COLLATE = utf8mb4_bin;

-- Static deposit addresses, in the order they were created: position is handed out from coinssend_counter
-- ('deposit_address_position') as the last step of the inserting transaction, so engines following new addresses by
-- position never miss one committed late.
CREATE TABLE IF NOT EXISTS coinssend_deposit_address (
  position     BIGINT NOT NULL,
  customer_id  VARBINARY(800) NOT NULL,
  asset_key    VARBINARY(1200) NOT NULL,
  address      VARBINARY(800) NOT NULL,
  document     LONGTEXT NOT NULL,
  CONSTRAINT coinssend_deposit_address_pk PRIMARY KEY (position),
  CONSTRAINT coinssend_deposit_address_customer_uq UNIQUE (customer_id, asset_key),
  CONSTRAINT coinssend_deposit_address_address_uq UNIQUE (address)
) ENGINE = InnoDB DEFAULT CHARACTER SET = utf8mb4 COLLATE = utf8mb4_bin;
INSERT IGNORE INTO coinssend_counter (counter_name, counter_value) VALUES ('deposit_address_position', 0);

-- Deposits to static addresses, one row per transfer, kept as their exact JSON (InvoiceJson).
CREATE TABLE IF NOT EXISTS coinssend_deposit (
  id           VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  customer_id  VARBINARY(800) NOT NULL,
  address      VARBINARY(800) NOT NULL,
  chain        VARBINARY(520) NOT NULL,
  status       VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  version      BIGINT NOT NULL,
  document     LONGTEXT NOT NULL,
  CONSTRAINT coinssend_deposit_pk PRIMARY KEY (id),
  INDEX coinssend_deposit_customer_ix (customer_id, id),
  INDEX coinssend_deposit_address_ix (address, id),
  INDEX coinssend_deposit_chain_ix (chain, status, id)
) ENGINE = InnoDB DEFAULT CHARACTER SET = utf8mb4 COLLATE = utf8mb4_bin;

-- Leases: which engine instance runs a chain's watcher (watch:<chain>), until when.
CREATE TABLE IF NOT EXISTS coinssend_lease (
  lease_name   VARBINARY(800) NOT NULL,
  owner        VARBINARY(800) NOT NULL,
  held_until   DATETIME(3) NOT NULL,
  CONSTRAINT coinssend_lease_pk PRIMARY KEY (lease_name)
) ENGINE = InnoDB DEFAULT CHARACTER SET = utf8mb4 COLLATE = utf8mb4_bin;
