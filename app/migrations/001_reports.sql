-- One row per imported report.json; its findings and the resources they name hang off it, so
-- the latest report and its inventory are always read as one consistent snapshot.
CREATE TABLE reports (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- sha256 of the bytes imported: the same file imported twice is stored once.
  digest text NOT NULL UNIQUE,
  title text NOT NULL,
  generated_at timestamptz NOT NULL,
  previous_at timestamptz,
  region text NOT NULL,
  account_id text,
  cce_source text NOT NULL CHECK (cce_source IN ('config', 'securityhub')),
  -- counts, rules and warnings as the report states them (ReportSummary).
  summary jsonb NOT NULL,
  channel text NOT NULL CHECK (channel IN ('api', 'cli')),
  imported_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX reports_latest ON reports (generated_at DESC, id DESC);

CREATE TABLE findings (
  report_id integer NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
  key text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('cve', 'cce')),
  finding_id text NOT NULL,
  source text NOT NULL,
  severity text NOT NULL
    CHECK (severity IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED')),
  title text NOT NULL,
  resource_id text NOT NULL,
  resource_type text NOT NULL,
  owner text,
  url text,
  fix_available text,
  first_seen timestamptz NOT NULL,
  age_days integer NOT NULL,
  sla_days integer NOT NULL,
  overdue boolean NOT NULL,
  is_new boolean NOT NULL,
  PRIMARY KEY (report_id, key)
);

CREATE INDEX findings_by_severity ON findings (report_id, severity);

CREATE TABLE assets (
  report_id integer NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
  arn text NOT NULL,
  type text NOT NULL,
  region text,
  account_id text,
  name text,
  tags jsonb NOT NULL DEFAULT '{}'::jsonb,
  open_findings integer NOT NULL,
  PRIMARY KEY (report_id, arn)
);

CREATE INDEX assets_by_type ON assets (report_id, type);
-- `tags @> '{"Key":"Value"}'` (the tag filter) uses this index.
CREATE INDEX assets_by_tags ON assets USING gin (tags jsonb_path_ops);
