//! Rows written before the stored documents had a version (`"v"`) still read through the API,
//! and the next save writes the version.

use serde_json::Value;

use crate::lifecycle::{life, submitted};
use crate::support::{TestApp, CLIENT, OPERATOR};

const DOCUMENTS: [&str; 6] = ["csr", "holder", "payment", "terms", "submitted", "life"];

fn sql(app: &TestApp, query: &str) {
    use diesel::RunQueryDsl;
    diesel::sql_query(query)
        .execute(&mut app.connection())
        .unwrap();
}

#[actix_web::test]
async fn an_order_stored_before_documents_had_a_version_reads_the_same_and_is_rewritten_versioned()
{
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = submitted(&app, &token, "certigna-ssl-rgs").await;
    let get = |path: String| {
        let (app, token) = (&app, &token);
        async move {
            let res = app.get(&path, token).await;
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()
        }
    };
    let order = get(format!("/orders/{oid}")).await;
    let before_life = life(&app, &token, &oid).await;
    for column in DOCUMENTS {
        assert_eq!(
            app.sql_count(&format!(
                "SELECT count(*) AS n FROM orders WHERE id = '{oid}' AND {column} ->> 'v' = '1'"
            )),
            1,
            "{column} is written with its version"
        );
    }

    // as the code before versions wrote them
    let strip = DOCUMENTS.map(|c| format!("{c} = {c} - 'v'")).join(", ");
    sql(
        &app,
        &format!("UPDATE orders SET {strip} WHERE id = '{oid}'"),
    );
    assert_eq!(
        app.sql_count(&format!(
            "SELECT count(*) AS n FROM orders WHERE id = '{oid}' AND life ? 'v'"
        )),
        0
    );
    assert_eq!(get(format!("/orders/{oid}")).await, order);
    assert_eq!(life(&app, &token, &oid).await, before_life);
    let pdf = app
        .get(&format!("/orders/{oid}/formulaire.pdf"), &token)
        .await;
    assert_eq!(pdf.status(), 200);

    // the next save writes every document, versioned
    let op = app.token(OPERATOR).await;
    let res = app
        .post(
            &format!("/orders/{oid}/payment"),
            &op,
            &serde_json::json!({"reference": "VIR-1"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    for column in DOCUMENTS {
        assert_eq!(
            app.sql_count(&format!(
                "SELECT count(*) AS n FROM orders WHERE id = '{oid}' AND {column} ->> 'v' = '1'"
            )),
            1,
            "{column} is rewritten with its version"
        );
    }
}
