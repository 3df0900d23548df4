-- CoinsSend Invoice SDK, invoice-webhooks: JdbcDeliveryStore tables for MariaDB 10.6+ (SKIP LOCKED) or MySQL 8+.
-- Times are Unix epoch milliseconds (BIGINT) so that every dialect compares them the same way.
-- Binary collation: ids compare exactly, as in the other dialects.

CREATE TABLE IF NOT EXISTS webhook_position (
  group_name     VARCHAR(100) NOT NULL PRIMARY KEY,
  last_sequence  BIGINT       NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS webhook_delivery (
  id               VARCHAR(40)   NOT NULL PRIMARY KEY,
  event_id         VARCHAR(40)   NOT NULL,
  event_type       VARCHAR(64)   NOT NULL,
  event_sequence   BIGINT        NOT NULL,
  subject_id       VARCHAR(64)   NOT NULL,
  endpoint_id      VARCHAR(100)  NOT NULL,
  state            VARCHAR(16)   NOT NULL,
  attempts         INT           NOT NULL,
  next_attempt_at  BIGINT        NOT NULL,
  created_at       BIGINT        NOT NULL,
  updated_at       BIGINT        NOT NULL,
  last_status      INT,
  last_error       VARCHAR(500),
  lease_owner      VARCHAR(100),
  lease_until      BIGINT,
  CONSTRAINT webhook_delivery_event_endpoint UNIQUE (event_id, endpoint_id),
  INDEX webhook_delivery_due (endpoint_id, state, next_attempt_at),
  INDEX webhook_delivery_endpoint_sequence (endpoint_id, event_sequence),
  INDEX webhook_delivery_updated (state, updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The exact body sent, one row per delivery, inserted and deleted with it (so claims and outcomes, which change the
-- delivery row, do not carry it).
CREATE TABLE IF NOT EXISTS webhook_payload (
  delivery_id  VARCHAR(40)  NOT NULL PRIMARY KEY,
  payload      LONGTEXT     NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS webhook_attempt (
  attempt_id    BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  delivery_id   VARCHAR(40)   NOT NULL,
  event_id      VARCHAR(40)   NOT NULL,
  endpoint_id   VARCHAR(100)  NOT NULL,
  attempt_no    INT           NOT NULL,
  attempted_at  BIGINT        NOT NULL,
  status_code   INT,
  latency_ms    BIGINT        NOT NULL,
  success       BOOLEAN       NOT NULL,
  error         VARCHAR(500),
  INDEX webhook_attempt_delivery (delivery_id),
  INDEX webhook_attempt_endpoint (endpoint_id, attempted_at),
  INDEX webhook_attempt_time (attempted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS webhook_endpoint_disabled (
  endpoint_id  VARCHAR(100) NOT NULL PRIMARY KEY,
  disabled_at  BIGINT       NOT NULL,
  reason       VARCHAR(500) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
