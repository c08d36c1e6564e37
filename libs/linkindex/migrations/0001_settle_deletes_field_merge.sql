CREATE TABLE "held_records" (
	"job_id" text NOT NULL,
	"adapter" text NOT NULL,
	"table_name" text NOT NULL,
	"record_id" text NOT NULL,
	"held_since" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "held_records_pkey" PRIMARY KEY("job_id","adapter","table_name","record_id")
);
--> statement-breakpoint
CREATE TABLE "pending_deletes" (
	"delete_id" text PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"src_adapter" text NOT NULL,
	"src_table" text NOT NULL,
	"src_id" text NOT NULL,
	"dest_adapter" text NOT NULL,
	"dest_table" text NOT NULL,
	"dest_id" text NOT NULL,
	"side" text NOT NULL,
	"cause" text NOT NULL,
	"target_payload" jsonb,
	"run_id" text NOT NULL,
	"detected_at" timestamp (3) with time zone NOT NULL,
	"decision" text,
	"decided_at" timestamp (3) with time zone,
	"applied_at" timestamp (3) with time zone,
	CONSTRAINT "pending_deletes_side_check" CHECK ("pending_deletes"."side" IN ('source', 'dest')),
	CONSTRAINT "pending_deletes_decision_check" CHECK ("pending_deletes"."decision" IS NULL OR "pending_deletes"."decision" IN ('approved', 'rejected', 'cancelled'))
);
--> statement-breakpoint
ALTER TABLE "conflicts" ADD COLUMN "fields" jsonb;--> statement-breakpoint
ALTER TABLE "links" ADD COLUMN "source_fields" jsonb;--> statement-breakpoint
ALTER TABLE "links" ADD COLUMN "dest_fields" jsonb;--> statement-breakpoint
CREATE UNIQUE INDEX "pending_deletes_one_open_idx" ON "pending_deletes" USING btree ("job_id","src_adapter","src_table","dest_adapter","dest_table","src_id","dest_id") WHERE applied_at IS NULL AND (decision IS NULL OR decision = 'approved');--> statement-breakpoint
CREATE INDEX "pending_deletes_by_job_idx" ON "pending_deletes" USING btree ("job_id","detected_at","delete_id");