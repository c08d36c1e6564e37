CREATE TABLE "conflicts" (
	"conflict_id" text PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"src_adapter" text NOT NULL,
	"src_table" text NOT NULL,
	"src_id" text NOT NULL,
	"dest_adapter" text NOT NULL,
	"dest_table" text NOT NULL,
	"dest_id" text NOT NULL,
	"src_payload" jsonb NOT NULL,
	"dest_payload" jsonb NOT NULL,
	"detected_at" timestamp (3) with time zone NOT NULL,
	"resolved_at" timestamp (3) with time zone,
	"keep" text,
	"applied_at" timestamp (3) with time zone,
	CONSTRAINT "conflicts_keep_check" CHECK ("conflicts"."keep" IS NULL OR "conflicts"."keep" IN ('source', 'dest'))
);
--> statement-breakpoint
CREATE TABLE "cursors" (
	"job_id" text NOT NULL,
	"adapter" text NOT NULL,
	"table_name" text NOT NULL,
	"cursor_token" text,
	"fail_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "cursors_pkey" PRIMARY KEY("job_id","adapter","table_name")
);
--> statement-breakpoint
CREATE TABLE "job_leases" (
	"job_id" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"token" bigint NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"job_id" text PRIMARY KEY NOT NULL,
	"disabled_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "links" (
	"src_adapter" text NOT NULL,
	"src_table" text NOT NULL,
	"src_id" text NOT NULL,
	"dest_adapter" text NOT NULL,
	"dest_table" text NOT NULL,
	"dest_id" text NOT NULL,
	"source_hash" text,
	"dest_hash" text,
	"deleted_at" timestamp (3) with time zone,
	"synced_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "links_pkey" PRIMARY KEY("src_id","src_adapter","src_table","dest_adapter","dest_table","dest_id")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"run_id" text PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"started_at" timestamp (3) with time zone NOT NULL,
	"ended_at" timestamp (3) with time zone NOT NULL,
	"status" text NOT NULL,
	"summary_json" jsonb NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "conflicts_one_open_idx" ON "conflicts" USING btree ("job_id","src_adapter","src_table","dest_adapter","dest_table","src_id","dest_id") WHERE resolved_at IS NULL AND applied_at IS NULL;--> statement-breakpoint
CREATE INDEX "conflicts_by_job_idx" ON "conflicts" USING btree ("job_id","detected_at","conflict_id");--> statement-breakpoint
CREATE INDEX "links_by_dest_idx" ON "links" USING btree ("dest_id","src_adapter","src_table","dest_adapter","dest_table");--> statement-breakpoint
CREATE INDEX "runs_by_job_idx" ON "runs" USING btree ("job_id","started_at" DESC NULLS LAST,"run_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "runs_by_job_status_idx" ON "runs" USING btree ("job_id","status","started_at" DESC NULLS LAST,"run_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "runs_by_started_idx" ON "runs" USING btree ("started_at" DESC NULLS LAST,"run_id" DESC NULLS LAST);