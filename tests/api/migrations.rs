use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::json;

use crate::{cases, helpers::TestApp};

pub const TESTS: &[crate::helpers::Case] =
    cases![migrations_go_down_and_up_again, messages_written_before_name_their_subject_after];

async fn migrations_go_down_and_up_again(app: TestApp) {
    app.create("/persons", json!({"display_name": "Taro"})).await;
    Migrator::down(&app.outside, None).await.expect("every migration has a working down");
    let gone = app.outside.execute_unprepared("SELECT COUNT(*) FROM persons").await;
    assert!(gone.is_err(), "the persons table is still there after down");
    Migrator::up(&app.outside, None).await.expect("up again");
    assert_eq!(app.count("persons").await, 0);
    assert!(Migrator::get_pending_migrations(&app.outside).await.unwrap().is_empty());
}

/// Messages written while one `alert_id` column held whatever a message was about, and the nil
/// UUID meant "no person", name their subject with its own typed reference after the change.
async fn messages_written_before_name_their_subject_after(app: TestApp) {
    use sea_orm::sea_query::{Alias, Query};
    use tsunagu::{entity::outbox_message, store::outbox::Subject};
    // Down past m0029 … m0023 to before m0022 (message subjects).
    Migrator::down(&app.outside, Some(8)).await.expect("the last eight migrations go down");
    let (code, alert, contact, person) =
        (uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let now = app.now();
    let mut insert = Query::insert();
    insert.into_table(Alias::new("outbox_messages")).columns(
        [
            "id",
            "channel",
            "target_id",
            "alert_id",
            "person_id",
            "event_type",
            "payload",
            "status",
            "priority",
            "attempts",
            "next_attempt_at",
            "created_at",
            "updated_at",
        ]
        .map(Alias::new),
    );
    let old = [
        ("email", uuid::Uuid::now_v7(), code, uuid::Uuid::nil(), "auth.code"),
        ("webhook", uuid::Uuid::now_v7(), alert, person, "alert.delivered"),
        ("sms", contact, uuid::Uuid::now_v7(), uuid::Uuid::nil(), "contact.confirm"),
    ];
    for (channel, target, subject, about, event_type) in old {
        insert.values_panic([
            uuid::Uuid::now_v7().into(),
            channel.into(),
            target.into(),
            subject.into(),
            about.into(),
            event_type.into(),
            "{}".into(),
            "delivered".into(),
            1.into(),
            1.into(),
            now.into(),
            now.into(),
            now.into(),
        ]);
    }
    app.outside.execute(app.outside.get_database_backend().build(&insert)).await.expect("an old-shape row");
    Migrator::up(&app.outside, None).await.expect("up again");

    let messages = outbox_message::Entity::find().all(&app.outside).await.unwrap();
    let about = |event_type: &str| {
        let message = messages.iter().find(|message| message.event_type == event_type).expect("kept");
        (Subject::of(message), message.person_id)
    };
    assert_eq!(about("auth.code"), (Some(Subject::SignInCode(code)), None), "a code is about no person");
    assert_eq!(about("alert.delivered"), (Some(Subject::Alert(alert)), Some(person)));
    assert_eq!(about("contact.confirm"), (Some(Subject::ContactPoint(contact)), None), "about the address it goes to");
}
