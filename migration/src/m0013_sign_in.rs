//! Sign-in: invitations, one-time codes, browser sessions, client credentials for systems, and
//! the hits the sign-in doors count to slow a guesser down.
//!
//! Nothing that lets anyone in is kept as it is: invitation and one-time codes are kept as
//! keyed hashes (HMAC with the service's key), session ids as SHA-256 hashes, client secrets
//! as Argon2id hashes. Rate-limit buckets are keyed hashes too, so no address or client IP is
//! stored in the clear.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INVITATION_CODE: &str = "idx_invitations_code";
const INVITATIONS_OF_PARTY: &str = "idx_invitations_party";
const CODES_OF_ADDRESS: &str = "idx_sign_in_codes_address";
const SESSION_TOKEN: &str = "idx_sessions_token";
const SESSIONS_OF_PARTY: &str = "idx_sessions_party";
const CLIENT_ID: &str = "idx_client_credentials_client";
const CREDENTIALS_OF_PARTY: &str = "idx_client_credentials_party";
const HITS_OF_BUCKET: &str = "idx_rate_limit_hits_bucket";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(uuid(Invitations::Id).primary_key())
                    .col(uuid(Invitations::PartyId))
                    .col(string_len(Invitations::CodeHash, 64))
                    .col(string_len(Invitations::CreatedBy, 200))
                    .col(uuid_null(Invitations::SentTo))
                    .col(timestamp_with_time_zone(Invitations::CreatedAt))
                    .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Invitations::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInCodes::Table)
                    .col(uuid(SignInCodes::Id).primary_key())
                    .col(uuid(SignInCodes::PartyId))
                    .col(uuid(SignInCodes::ContactPointId))
                    .col(string_len(SignInCodes::AddressHash, 64))
                    .col(string_len(SignInCodes::CodeHash, 64))
                    .col(integer(SignInCodes::FailedAttempts))
                    .col(timestamp_with_time_zone(SignInCodes::CreatedAt))
                    .col(timestamp_with_time_zone(SignInCodes::ExpiresAt))
                    .col(timestamp_with_time_zone_null(SignInCodes::EndedAt))
                    .col(string_len_null(SignInCodes::EndReason, 16))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(uuid(Sessions::Id).primary_key())
                    .col(string_len(Sessions::TokenHash, 64))
                    .col(uuid(Sessions::PartyId))
                    .col(string_len(Sessions::SignedInBy, 16))
                    .col(string_len_null(Sessions::UserAgent, 200))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                    .col(timestamp_with_time_zone(Sessions::IdleExpiresAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Sessions::EndedAt))
                    .col(string_len_null(Sessions::EndReason, 16))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ClientCredentials::Table)
                    .col(uuid(ClientCredentials::Id).primary_key())
                    .col(uuid(ClientCredentials::PartyId))
                    .col(string_len(ClientCredentials::ClientId, 64))
                    .col(string_len(ClientCredentials::SecretHash, 200))
                    .col(string_len(ClientCredentials::CreatedBy, 200))
                    .col(timestamp_with_time_zone(ClientCredentials::CreatedAt))
                    .col(timestamp_with_time_zone_null(ClientCredentials::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ClientCredentials::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RateLimitHits::Table)
                    .col(uuid(RateLimitHits::Id).primary_key())
                    .col(string_len(RateLimitHits::Bucket, 64))
                    .col(timestamp_with_time_zone(RateLimitHits::At))
                    .to_owned(),
            )
            .await?;
        let indexes = [
            Index::create()
                .name(INVITATION_CODE)
                .table(Invitations::Table)
                .col(Invitations::CodeHash)
                .unique()
                .to_owned(),
            Index::create().name(INVITATIONS_OF_PARTY).table(Invitations::Table).col(Invitations::PartyId).to_owned(),
            Index::create()
                .name(CODES_OF_ADDRESS)
                .table(SignInCodes::Table)
                .col(SignInCodes::AddressHash)
                .col(SignInCodes::CreatedAt)
                .to_owned(),
            Index::create().name(SESSION_TOKEN).table(Sessions::Table).col(Sessions::TokenHash).unique().to_owned(),
            Index::create().name(SESSIONS_OF_PARTY).table(Sessions::Table).col(Sessions::PartyId).to_owned(),
            Index::create()
                .name(CLIENT_ID)
                .table(ClientCredentials::Table)
                .col(ClientCredentials::ClientId)
                .unique()
                .to_owned(),
            Index::create()
                .name(CREDENTIALS_OF_PARTY)
                .table(ClientCredentials::Table)
                .col(ClientCredentials::PartyId)
                .to_owned(),
            Index::create()
                .name(HITS_OF_BUCKET)
                .table(RateLimitHits::Table)
                .col(RateLimitHits::Bucket)
                .col(RateLimitHits::At)
                .to_owned(),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Alias::new("rate_limit_hits"),
            Alias::new("client_credentials"),
            Alias::new("sessions"),
            Alias::new("sign_in_codes"),
            Alias::new("invitations"),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Invitations {
    Table,
    Id,
    PartyId,
    CodeHash,
    CreatedBy,
    SentTo,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SignInCodes {
    Table,
    Id,
    PartyId,
    ContactPointId,
    AddressHash,
    CodeHash,
    FailedAttempts,
    CreatedAt,
    ExpiresAt,
    EndedAt,
    EndReason,
}

#[derive(DeriveIden, Clone, Copy)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    PartyId,
    SignedInBy,
    UserAgent,
    CreatedAt,
    LastSeenAt,
    IdleExpiresAt,
    ExpiresAt,
    EndedAt,
    EndReason,
}

#[derive(DeriveIden, Clone, Copy)]
enum ClientCredentials {
    Table,
    Id,
    PartyId,
    ClientId,
    SecretHash,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RateLimitHits {
    Table,
    Id,
    Bucket,
    At,
}
