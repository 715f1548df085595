use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::{cases, helpers::TestApp};

pub const TESTS: &[crate::helpers::Case] = cases![migrations_go_down_and_up_again];

async fn migrations_go_down_and_up_again(app: TestApp) {
    app.create("/persons", json!({"display_name": "Taro"})).await;
    Migrator::down(&app.outside, None).await.expect("every migration has a working down");
    let gone = app.outside.execute_unprepared("SELECT COUNT(*) FROM persons").await;
    assert!(gone.is_err(), "the persons table is still there after down");
    Migrator::up(&app.outside, None).await.expect("up again");
    assert_eq!(app.count("persons").await, 0);
    assert!(Migrator::get_pending_migrations(&app.outside).await.unwrap().is_empty());
}
