CREATE TABLE "record_failures" (
	"job_id" text NOT NULL,
	"side" text NOT NULL,
	"record_id" text NOT NULL,
	"stage" text NOT NULL,
	"reason" text NOT NULL,
	"first_failed_at" timestamp (3) with time zone NOT NULL,
	"last_failed_at" timestamp (3) with time zone NOT NULL,
	"failures" integer NOT NULL,
	"last_run_id" text NOT NULL,
	"retrying" boolean NOT NULL,
	"retry_requested_at" timestamp (3) with time zone,
	CONSTRAINT "record_failures_pkey" PRIMARY KEY("job_id","side","record_id"),
	CONSTRAINT "record_failures_side_check" CHECK ("record_failures"."side" IN ('source', 'dest'))
);
--> statement-breakpoint
CREATE INDEX "record_failures_by_job_idx" ON "record_failures" USING btree ("job_id","last_failed_at" DESC NULLS LAST,"side","record_id");