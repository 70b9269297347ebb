-- Partners act for their clients (SPEC §10): a partner invites an account by its username,
-- the account's user accepts (its consent), and the partner may then create orders the
-- client owns (`orders.agent_id` names the partner preparing them).
CREATE TABLE partner_clients (
    id UUID PRIMARY KEY,
    partner_id UUID NOT NULL REFERENCES accounts (id),
    -- what the partner typed, normalized; an invitation for a username no account has
    -- stays pending (the partner must not learn which usernames exist)
    invited_username TEXT NOT NULL,
    client_id UUID REFERENCES accounts (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'ended')),
    created_at TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ,
    ended_at TIMESTAMPTZ
);
-- one live link (pending or active) per partner and username
CREATE UNIQUE INDEX partner_clients_live ON partner_clients (partner_id, invited_username)
    WHERE status <> 'ended';
CREATE INDEX partner_clients_client ON partner_clients (client_id) WHERE status <> 'ended';

ALTER TABLE orders ADD COLUMN agent_id UUID REFERENCES accounts (id);
