CREATE TABLE `conflicts` (
	`conflict_id` text PRIMARY KEY NOT NULL,
	`job_id` text NOT NULL,
	`src_adapter` text NOT NULL,
	`src_table` text NOT NULL,
	`src_id` text NOT NULL,
	`dest_adapter` text NOT NULL,
	`dest_table` text NOT NULL,
	`dest_id` text NOT NULL,
	`src_payload` text NOT NULL,
	`dest_payload` text NOT NULL,
	`fields` text,
	`detected_at` integer NOT NULL,
	`resolved_at` integer,
	`keep` text,
	`applied_at` integer,
	CONSTRAINT "conflicts_keep_check" CHECK("conflicts"."keep" IS NULL OR "conflicts"."keep" IN ('source', 'dest'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conflicts_one_open_idx` ON `conflicts` (`job_id`,`src_adapter`,`src_table`,`dest_adapter`,`dest_table`,`src_id`,`dest_id`) WHERE resolved_at IS NULL AND applied_at IS NULL;--> statement-breakpoint
CREATE INDEX `conflicts_by_job_idx` ON `conflicts` (`job_id`,`detected_at`,`conflict_id`);--> statement-breakpoint
CREATE TABLE `cursors` (
	`job_id` text NOT NULL,
	`adapter` text NOT NULL,
	`table_name` text NOT NULL,
	`cursor_token` text,
	`fail_count` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`job_id`, `adapter`, `table_name`)
);
--> statement-breakpoint
CREATE TABLE `held_records` (
	`job_id` text NOT NULL,
	`adapter` text NOT NULL,
	`table_name` text NOT NULL,
	`record_id` text NOT NULL,
	`held_since` integer NOT NULL,
	PRIMARY KEY(`job_id`, `adapter`, `table_name`, `record_id`)
);
--> statement-breakpoint
CREATE TABLE `job_leases` (
	`job_id` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`token` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`job_id` text PRIMARY KEY NOT NULL,
	`disabled_at` integer
);
--> statement-breakpoint
CREATE TABLE `links` (
	`src_adapter` text NOT NULL,
	`src_table` text NOT NULL,
	`src_id` text NOT NULL,
	`dest_adapter` text NOT NULL,
	`dest_table` text NOT NULL,
	`dest_id` text NOT NULL,
	`source_hash` text,
	`dest_hash` text,
	`source_fields` text,
	`dest_fields` text,
	`deleted_at` integer,
	`synced_at` integer NOT NULL,
	PRIMARY KEY(`src_id`, `src_adapter`, `src_table`, `dest_adapter`, `dest_table`, `dest_id`)
);
--> statement-breakpoint
CREATE INDEX `links_by_dest_idx` ON `links` (`dest_id`,`src_adapter`,`src_table`,`dest_adapter`,`dest_table`);--> statement-breakpoint
CREATE TABLE `pending_deletes` (
	`delete_id` text PRIMARY KEY NOT NULL,
	`job_id` text NOT NULL,
	`src_adapter` text NOT NULL,
	`src_table` text NOT NULL,
	`src_id` text NOT NULL,
	`dest_adapter` text NOT NULL,
	`dest_table` text NOT NULL,
	`dest_id` text NOT NULL,
	`side` text NOT NULL,
	`cause` text NOT NULL,
	`target_payload` text,
	`run_id` text NOT NULL,
	`detected_at` integer NOT NULL,
	`decision` text,
	`decided_at` integer,
	`applied_at` integer,
	CONSTRAINT "pending_deletes_side_check" CHECK("pending_deletes"."side" IN ('source', 'dest')),
	CONSTRAINT "pending_deletes_decision_check" CHECK("pending_deletes"."decision" IS NULL OR "pending_deletes"."decision" IN ('approved', 'rejected', 'cancelled'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pending_deletes_one_open_idx` ON `pending_deletes` (`job_id`,`src_adapter`,`src_table`,`dest_adapter`,`dest_table`,`src_id`,`dest_id`) WHERE applied_at IS NULL AND (decision IS NULL OR decision = 'approved');--> statement-breakpoint
CREATE INDEX `pending_deletes_by_job_idx` ON `pending_deletes` (`job_id`,`detected_at`,`delete_id`);--> statement-breakpoint
CREATE TABLE `record_failures` (
	`job_id` text NOT NULL,
	`side` text NOT NULL,
	`record_id` text NOT NULL,
	`stage` text NOT NULL,
	`reason` text NOT NULL,
	`first_failed_at` integer NOT NULL,
	`last_failed_at` integer NOT NULL,
	`failures` integer NOT NULL,
	`last_run_id` text NOT NULL,
	`retrying` integer NOT NULL,
	`retry_requested_at` integer,
	PRIMARY KEY(`job_id`, `side`, `record_id`),
	CONSTRAINT "record_failures_side_check" CHECK("record_failures"."side" IN ('source', 'dest'))
);
--> statement-breakpoint
CREATE INDEX `record_failures_by_job_idx` ON `record_failures` (`job_id`,`last_failed_at`,`side`,`record_id`);--> statement-breakpoint
CREATE TABLE `runs` (
	`run_id` text PRIMARY KEY NOT NULL,
	`job_id` text NOT NULL,
	`started_at` integer NOT NULL,
	`ended_at` integer NOT NULL,
	`status` text NOT NULL,
	`summary_json` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `runs_by_job_idx` ON `runs` (`job_id`,`started_at`,`run_id`);--> statement-breakpoint
CREATE INDEX `runs_by_job_status_idx` ON `runs` (`job_id`,`status`,`started_at`,`run_id`);--> statement-breakpoint
CREATE INDEX `runs_by_started_idx` ON `runs` (`started_at`,`run_id`);