-- Justificatifs uploaded (SPEC §8): one row per file, kept after a rejection (a re-upload adds
-- a row), with the operator's review of it. The bytes are in the object store under
-- `storage_key`; PostgreSQL keeps metadata only. The slot's current status stays in
-- order_documents.status.
CREATE TABLE document_files (
    id uuid PRIMARY KEY,
    order_id uuid NOT NULL,
    code text NOT NULL,
    -- where the bytes are in the object store (never derived from the client's file name)
    storage_key text NOT NULL UNIQUE,
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes bigint NOT NULL CHECK (size_bytes > 0),
    -- the type sniffed from the bytes
    content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    -- the client's file name: metadata only, never used as a path
    original_name text CHECK (char_length(original_name) <= 255),
    uploaded_by uuid NOT NULL REFERENCES accounts (id),
    uploaded_at timestamptz NOT NULL,
    decision text CHECK (decision IN ('accepted', 'rejected')),
    reason text CHECK (reason IN ('illegible', 'expired', 'name_mismatch', 'wrong_document', 'incomplete', 'other')),
    message text CHECK (char_length(message) <= 1000),
    reviewed_by uuid REFERENCES accounts (id),
    reviewed_at timestamptz,
    FOREIGN KEY (order_id, code) REFERENCES order_documents (order_id, code),
    -- a review is whole (decision, who, when), and a reason goes with a rejection only
    CHECK ((decision IS NULL) = (reviewed_by IS NULL) AND (decision IS NULL) = (reviewed_at IS NULL)),
    CHECK (CASE WHEN decision = 'rejected' THEN reason IS NOT NULL ELSE reason IS NULL END),
    CHECK (decision IS NOT NULL OR message IS NULL)
);
CREATE INDEX document_files_slot_idx ON document_files (order_id, code, uploaded_at DESC);
