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
    }
}

diesel::table! {
    outbox (id) {
        id -> Uuid,
        order_id -> Uuid,
        kind -> Text,
        recipient -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(idempotency_keys -> accounts (account_id));
diesel::joinable!(orders -> accounts (account_id));
diesel::joinable!(outbox -> orders (order_id));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    idempotency_keys,
    login_address_failures,
    login_failures,
    orders,
    outbox,
);
