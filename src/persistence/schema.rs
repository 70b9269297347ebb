// @generated-like: kept identical to `diesel print-schema` output for the migrations.

diesel::table! {
    accounts (id) {
        id -> Uuid,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        email -> Text,
        full_name -> Text,
        phone -> Nullable<Text>,
        partner_code -> Nullable<Text>,
        organization_name -> Text,
        organization_kind -> Text,
        registration_number -> Nullable<Text>,
        address -> Text,
        postal_code -> Nullable<Text>,
        city -> Text,
        country -> Text,
        legal_representative -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Uuid,
        account_id -> Uuid,
        client_id -> Text,
        secret_hash -> Text,
        name -> Text,
        scopes -> Text,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    certificates (id) {
        id -> Uuid,
        order_id -> Uuid,
        serial -> Text,
        source -> Text,
        chain_pem -> Text,
        summary -> Jsonb,
        issued_at -> Timestamptz,
    }
}

diesel::table! {
    document_files (id) {
        id -> Uuid,
        order_id -> Uuid,
        code -> Text,
        storage_key -> Text,
        sha256 -> Text,
        size_bytes -> Int8,
        content_type -> Text,
        original_name -> Nullable<Text>,
        uploaded_by -> Uuid,
        uploaded_at -> Timestamptz,
        decision -> Nullable<Text>,
        reason -> Nullable<Text>,
        message -> Nullable<Text>,
        reviewed_by -> Nullable<Uuid>,
        reviewed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    domain_controls (order_id, name) {
        order_id -> Uuid,
        name -> Text,
        wildcard -> Bool,
        method -> Text,
        token -> Text,
        token_expires_at -> Timestamptz,
        status -> Text,
        validated_at -> Nullable<Timestamptz>,
        validated_method -> Nullable<Text>,
        validated_answer -> Nullable<Text>,
        valid_until -> Nullable<Timestamptz>,
        last_checked_at -> Nullable<Timestamptz>,
        last_diagnosis -> Nullable<Jsonb>,
        pending_since -> Timestamptz,
        next_check_at -> Nullable<Timestamptz>,
        lease_until -> Nullable<Timestamptz>,
        version -> Int4,
    }
}

diesel::table! {
    event_deliveries (id) {
        id -> Uuid,
        event_id -> Uuid,
        subscriber -> Text,
        recipient -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        lease_until -> Nullable<Timestamptz>,
        lease_token -> Nullable<Uuid>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        delivered_at -> Nullable<Timestamptz>,
        endpoint_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    events (id) {
        id -> Uuid,
        event_type -> Text,
        order_id -> Uuid,
        account_id -> Uuid,
        partner_code -> Nullable<Text>,
        occurred_at -> Timestamptz,
        payload -> Jsonb,
        actor_id -> Nullable<Uuid>,
        detail -> Jsonb,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        family_id -> Uuid,
        account_id -> Uuid,
        token_hash -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    scheduled_jobs (id) {
        id -> Uuid,
        kind -> Text,
        order_id -> Uuid,
        due_at -> Timestamptz,
        status -> Text,
        attempts -> Int4,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        done_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    idempotency_keys (account_id, scope, key) {
        account_id -> Uuid,
        scope -> Text,
        key -> Text,
        request_hash -> Text,
        status_code -> Int4,
        response -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    login_address_failures (client_addr) {
        client_addr -> Text,
        failures -> Int4,
        last_failure_at -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    login_failures (username, client_addr) {
        username -> Text,
        client_addr -> Text,
        failures -> Int4,
        last_failure_at -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    order_documents (order_id, code) {
        order_id -> Uuid,
        code -> Text,
        position -> Int4,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    orders (id) {
        id -> Uuid,
        number -> Text,
        account_id -> Uuid,
        status -> Text,
        version -> Int4,
        authority -> Nullable<Text>,
        partner_choice -> Nullable<Text>,
        partner_code -> Nullable<Text>,
        partner_fixed -> Bool,
        duration_months -> Nullable<Int4>,
        generation_method -> Nullable<Text>,
        csr -> Nullable<Jsonb>,
        fqdn -> Nullable<Text>,
        additional_domains -> Jsonb,
        holder -> Nullable<Jsonb>,
        payment -> Nullable<Jsonb>,
        terms -> Nullable<Jsonb>,
        submitted -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        submitted_at -> Nullable<Timestamptz>,
        cancelled_at -> Nullable<Timestamptz>,
        life -> Jsonb,
        agent_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    partner_clients (id) {
        id -> Uuid,
        partner_id -> Uuid,
        invited_username -> Text,
        client_id -> Nullable<Uuid>,
        status -> Text,
        created_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        ended_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Uuid,
        account_id -> Uuid,
        url -> Text,
        description -> Text,
        event_types -> Array<Text>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        secret_encrypted -> Bytea,
        previous_secret_encrypted -> Nullable<Bytea>,
        previous_secret_until -> Nullable<Timestamptz>,
        failing_since -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Uuid,
        delivery_id -> Uuid,
        attempted_at -> Timestamptz,
        status_code -> Nullable<Int4>,
        error -> Nullable<Text>,
        duration_ms -> Int4,
    }
}

diesel::table! {
    webhook_notices (id) {
        id -> Uuid,
        endpoint_id -> Uuid,
        recipient -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        lease_until -> Nullable<Timestamptz>,
        lease_token -> Nullable<Uuid>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(api_clients -> accounts (account_id));
diesel::joinable!(event_deliveries -> events (event_id));
diesel::joinable!(events -> accounts (account_id));
diesel::joinable!(events -> orders (order_id));
diesel::joinable!(idempotency_keys -> accounts (account_id));
diesel::joinable!(order_documents -> orders (order_id));
diesel::joinable!(orders -> accounts (account_id));
diesel::joinable!(certificates -> orders (order_id));
diesel::joinable!(refresh_tokens -> accounts (account_id));
diesel::joinable!(scheduled_jobs -> orders (order_id));
diesel::joinable!(domain_controls -> orders (order_id));
diesel::joinable!(webhook_endpoints -> accounts (account_id));
diesel::joinable!(event_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_attempts -> event_deliveries (delivery_id));
diesel::joinable!(webhook_notices -> webhook_endpoints (endpoint_id));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    api_clients,
    certificates,
    document_files,
    domain_controls,
    event_deliveries,
    events,
    idempotency_keys,
    login_address_failures,
    login_failures,
    order_documents,
    orders,
    partner_clients,
    refresh_tokens,
    scheduled_jobs,
    webhook_attempts,
    webhook_endpoints,
    webhook_notices,
);
