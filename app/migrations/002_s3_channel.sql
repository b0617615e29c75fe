-- Reports pulled from S3 by the portal's poller (REPORT_S3_URI) are recorded as channel 's3'.
-- PostgreSQL named the column check of 001 reports_channel_check.
ALTER TABLE reports DROP CONSTRAINT reports_channel_check;
ALTER TABLE reports ADD CONSTRAINT reports_channel_check CHECK (channel IN ('api', 'cli', 's3'));
