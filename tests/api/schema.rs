//! Schema drift: `src/persistence/schema.rs` (diesel's view of the tables) matches what the
//! migrations create — every table, column, type and nullability, both ways.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::support::*;

/// `table -> [(column, sql type, nullable)]` as written in schema.rs.
fn declared() -> BTreeMap<String, Vec<(String, String, bool)>> {
    let text = include_str!("../../src/persistence/schema.rs");
    let mut tables = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_suffix('{') {
            let name = rest.split('(').next().unwrap().trim();
            if !name.is_empty() && !name.starts_with("diesel::") {
                current = Some(name.to_owned());
                tables.insert(name.to_owned(), Vec::new());
            }
        } else if line == "}" {
            current = None;
        } else if let (Some(table), Some((column, ty))) = (&current, line.split_once("->")) {
            let ty = ty.trim().trim_end_matches(',');
            let (nullable, ty) = match ty
                .strip_prefix("Nullable<")
                .and_then(|t| t.strip_suffix('>'))
            {
                Some(inner) => (true, inner),
                None => (false, ty),
            };
            let sql = match ty {
                "Uuid" => "uuid",
                "Text" => "text",
                "Int4" => "integer",
                "Int8" => "bigint",
                "Bool" => "boolean",
                "Timestamptz" => "timestamp with time zone",
                "Jsonb" => "jsonb",
                "Bytea" => "bytea",
                "Array<Text>" => "ARRAY",
                other => panic!("add a mapping for {other}"),
            };
            tables.get_mut(table).unwrap().push((
                column.trim().to_owned(),
                sql.to_owned(),
                nullable,
            ));
        }
    }
    tables
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    data_type: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    is_nullable: String,
}

#[actix_web::test]
async fn schema_rs_matches_the_migrated_database_table_by_table_and_column_by_column() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.get().unwrap();
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations' ORDER BY table_name, ordinal_position",
    )
    .load(&mut conn)
    .unwrap();
    let mut actual: BTreeMap<String, Vec<(String, String, bool)>> = BTreeMap::new();
    for c in columns {
        actual.entry(c.table_name).or_default().push((
            c.column_name,
            c.data_type,
            c.is_nullable == "YES",
        ));
    }
    assert_eq!(
        declared(),
        actual,
        "schema.rs differs from the migrations: update src/persistence/schema.rs"
    );
}
