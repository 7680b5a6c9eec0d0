//! The schema the SQL stores share: one migration per version, applied in
//! order on open, and the channel of PostgreSQL's change notifications.

/// The channel PostgreSQL change notifications are sent on; the payload is
/// `<organization id>:<version>`.
pub(crate) const CHANNEL: &str = "purview_changes";

/// The schema, one migration per version, applied in order on open.
pub(super) const MIGRATIONS: &[&[&str]] = &[
    &[
        "CREATE TABLE purview_orgs (
        org_id BIGINT PRIMARY KEY,
        name TEXT NOT NULL,
        catalog_name TEXT NOT NULL,
        policy TEXT NOT NULL,
        knowledge_bases TEXT NOT NULL,
        matrix TEXT,
        seat_limit BIGINT NOT NULL,
        version BIGINT NOT NULL)",
        "CREATE TABLE purview_roles (
        org_id BIGINT NOT NULL,
        position BIGINT NOT NULL,
        role_key TEXT NOT NULL,
        name TEXT NOT NULL,
        permissions BIGINT NOT NULL,
        view_scope BIGINT NOT NULL,
        manage_scope BIGINT NOT NULL,
        team_reach TEXT NOT NULL,
        bot_reach TEXT NOT NULL,
        knowledge TEXT NOT NULL,
        is_unique BIGINT NOT NULL,
        is_disabled BIGINT NOT NULL,
        PRIMARY KEY (org_id, role_key))",
        "CREATE TABLE purview_members (
        org_id BIGINT NOT NULL,
        member_id BIGINT NOT NULL,
        position BIGINT NOT NULL,
        email TEXT NOT NULL,
        user_code TEXT,
        user_name TEXT,
        display_name TEXT,
        phone TEXT,
        role_key TEXT NOT NULL,
        status TEXT NOT NULL,
        teams TEXT NOT NULL,
        bots TEXT NOT NULL,
        PRIMARY KEY (org_id, member_id))",
        "CREATE TABLE purview_teams (
        org_id BIGINT NOT NULL,
        team_id BIGINT NOT NULL,
        position BIGINT NOT NULL,
        code TEXT,
        name TEXT NOT NULL,
        PRIMARY KEY (org_id, team_id))",
        "CREATE TABLE purview_invitations (
        org_id BIGINT NOT NULL,
        invitation_id BIGINT NOT NULL,
        position BIGINT NOT NULL,
        email TEXT,
        role_key TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_by BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (org_id, invitation_id))",
        "CREATE TABLE purview_audit (
        org_id BIGINT NOT NULL,
        version BIGINT NOT NULL,
        idx BIGINT NOT NULL,
        at BIGINT NOT NULL,
        actor BIGINT,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        before_value TEXT,
        after_value TEXT,
        PRIMARY KEY (org_id, version, idx))",
    ],
    &[
        // The change log: each commit after the first, its changes as JSON.
        "CREATE TABLE purview_changes (
        org_id BIGINT NOT NULL,
        version BIGINT NOT NULL,
        changes TEXT NOT NULL,
        PRIMARY KEY (org_id, version))",
    ],
    &[
        // Registered bots and their API keys.
        "CREATE TABLE purview_bots (
        org_id BIGINT NOT NULL,
        bot_id BIGINT NOT NULL,
        position BIGINT NOT NULL,
        name TEXT NOT NULL,
        published BIGINT NOT NULL,
        PRIMARY KEY (org_id, bot_id))",
        "CREATE TABLE purview_api_keys (
        org_id BIGINT NOT NULL,
        api_key_id BIGINT NOT NULL,
        position BIGINT NOT NULL,
        bot_id BIGINT NOT NULL,
        permissions BIGINT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_by BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        revoked BIGINT NOT NULL,
        PRIMARY KEY (org_id, api_key_id))",
    ],
    &[
        // Contacts, each read and written alone, and their audit events.
        "CREATE TABLE purview_contacts (
        org_id BIGINT NOT NULL,
        contact_id BIGINT NOT NULL,
        external_id TEXT,
        origin TEXT NOT NULL,
        attributes TEXT NOT NULL,
        version BIGINT NOT NULL,
        PRIMARY KEY (org_id, contact_id))",
        "CREATE UNIQUE INDEX purview_contacts_external ON purview_contacts (org_id, external_id)",
        "CREATE TABLE purview_contact_audit (
        org_id BIGINT NOT NULL,
        contact_id BIGINT NOT NULL,
        version BIGINT NOT NULL,
        idx BIGINT NOT NULL,
        at BIGINT NOT NULL,
        actor BIGINT,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        before_value TEXT,
        after_value TEXT,
        PRIMARY KEY (org_id, contact_id, version))",
    ],
    &[
        // Knowledge bases' names and audiences.
        "CREATE TABLE purview_knowledge_bases (
        org_id BIGINT NOT NULL,
        kb_id BIGINT NOT NULL,
        position BIGINT NOT NULL,
        name TEXT NOT NULL,
        audience TEXT,
        PRIMARY KEY (org_id, kb_id))",
    ],
    &[
        // The settings a host declares, as one JSON object.
        "ALTER TABLE purview_orgs ADD COLUMN settings TEXT NOT NULL DEFAULT '{}'",
    ],
    &[
        // The permission levels of members' bot grants.
        "ALTER TABLE purview_members ADD COLUMN bot_levels TEXT NOT NULL DEFAULT '[]'",
    ],
];

/// The schema version this build of the crate writes.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
