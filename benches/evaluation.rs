//! Evaluation against hand-written bitmask baselines of the same rules, in the
//! same criterion groups so that ratios come from one run.
//!
//! `cargo bench --bench evaluation -- --warm-up-time 1 --measurement-time 3`
//!
//! `mixed_stream` is a stream of requests whose action is data, against a
//! hand-written host on the same stream, for members in 2 and 64 teams.
//! With `MIXED_STREAM_ONLY=k` the stream keeps one kind of request (0
//! features, 1 invitations, 2 views, 3 replies, 4 reassignments, 5 list
//! filters), to see what each kind costs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, Criterion};
use purview::{
    can, preset, Action, Actor, Assignment, ContactId, Conversation, ConversationFilter,
    ConversationId, MemberId, OrgId, Resource, TeamId,
};
use std::hint::black_box;

/// The baseline's own actor: an organization, a permission mask, scope bits
/// and teams, as a host would hand-write them.
struct Plain {
    org: u64,
    id: u64,
    enabled: bool,
    mask: u64,
    view_all: bool,
    manage_all: bool,
    manage_teams: bool,
    teams: [u64; 2],
}

const QUICK_REPLIES: u64 = 1 << 11;
const VIEW: u64 = 1;
const ASSIGN: u64 = 1 << 4;

fn plain(role: usize, id: u64) -> Plain {
    // Owner, Primary Admin, Admin, Primary Agent, Agent.
    let quick = if role < 3 { QUICK_REPLIES } else { 0 };
    Plain {
        org: 1,
        id,
        enabled: true,
        mask: VIEW | ASSIGN | quick,
        view_all: role < 2,
        manage_all: role < 2,
        manage_teams: role == 2,
        teams: [1, 3],
    }
}

#[inline(never)]
fn plain_feature(a: &Plain, org: u64, bit: u64) -> bool {
    a.org == org && a.enabled && a.mask & bit == bit
}

#[inline(never)]
fn plain_in_scope(a: &Plain, c: &Conversation, all: bool, teams: bool) -> bool {
    if all {
        return true;
    }
    match c.assignment {
        Assignment::Unassigned => true,
        Assignment::Team { team } => teams && a.teams.contains(&team.0),
        Assignment::TeamMember { team, member } => {
            (teams && a.teams.contains(&team.0)) || member.0 == a.id
        }
        Assignment::Member { member } => member.0 == a.id,
    }
}

#[inline(never)]
fn plain_view(a: &Plain, c: &Conversation) -> bool {
    a.org == c.org.0 && a.enabled && a.mask & VIEW == VIEW && plain_in_scope(a, c, a.view_all, true)
}

#[inline(never)]
fn plain_reassign(a: &Plain, c: &Conversation, to: Assignment, to_teams: &[u64]) -> bool {
    if !(a.org == c.org.0 && a.enabled && a.mask & ASSIGN == ASSIGN) {
        return false;
    }
    if !plain_in_scope(a, c, a.manage_all, a.manage_teams) {
        return false;
    }
    if let Assignment::TeamMember { team, .. } = to {
        if !to_teams.contains(&team.0) {
            return false;
        }
    }
    if a.manage_all {
        return true;
    }
    match to {
        Assignment::Unassigned => true,
        Assignment::Team { team } => a.manage_teams && a.teams.contains(&team.0),
        Assignment::TeamMember { team, member } => {
            (a.manage_teams && a.teams.contains(&team.0)) || member.0 == a.id
        }
        Assignment::Member { member } => {
            member.0 == a.id || (a.manage_teams && to_teams.iter().any(|t| a.teams.contains(t)))
        }
    }
}

fn conversations(n: usize) -> Vec<Conversation> {
    (0..n)
        .map(|i| {
            let i = i as u64;
            let a = match i % 4 {
                0 => Assignment::Unassigned,
                1 => Assignment::Team {
                    team: TeamId(i % 5),
                },
                2 => Assignment::TeamMember {
                    team: TeamId(i % 5),
                    member: MemberId(i % 7),
                },
                _ => Assignment::Member {
                    member: MemberId(i % 7),
                },
            };
            Conversation::new(
                ConversationId(i),
                OrgId(1 + i.is_multiple_of(10) as u64),
                ContactId(i),
            )
            .assigned(a)
        })
        .collect()
}

fn setup() -> (Vec<Actor>, Vec<Plain>) {
    let catalog = preset::helpdesk();
    let actors = catalog
        .roles()
        .enumerate()
        .map(|(i, r)| Actor::member(OrgId(1), MemberId(i as u64), r, [TeamId(1), TeamId(3)]))
        .collect();
    let plains = (0..5).map(|i| plain(i, i as u64)).collect();
    (actors, plains)
}

/// `can` behind a call, as the baselines are: nothing is inlined into the
/// measuring loop and the action is not known at compile time.
#[inline(never)]
fn checked(actor: &Actor, action: Action, resource: &Resource<'_>) -> bool {
    can(actor, action, resource).is_allowed()
}

/// Measures a purview workload twice in its group: `purview`, with `can`
/// inlined where it is called (as a host calls it, with a constant action),
/// and `purview_behind_call`, through [`checked`], kept out of line like the
/// baselines.
macro_rules! purview_both {
    ($g:expr, |$check:ident| $body:expr) => {{
        $g.bench_function("purview", |b| {
            let $check =
                |a: &Actor, action: Action, r: &Resource<'_>| can(a, action, r).is_allowed();
            b.iter(|| $body)
        });
        $g.bench_function("purview_behind_call", |b| {
            let $check = checked;
            b.iter(|| $body)
        });
    }};
}

fn evaluation(c: &mut Criterion) {
    let (actors, plains) = setup();
    let convs = conversations(64);

    let mut g = c.benchmark_group("feature_check");
    purview_both!(g, |check| {
        actors
            .iter()
            .filter(|a| {
                check(
                    black_box(a),
                    Action::EditQuickReplies,
                    &Resource::Organization(black_box(OrgId(1))),
                )
            })
            .count()
    });
    g.bench_function("bitmask", |b| {
        b.iter(|| {
            plains
                .iter()
                .filter(|a| plain_feature(black_box(a), black_box(1), QUICK_REPLIES))
                .count()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("conversation_view");
    purview_both!(g, |check| {
        let mut n = 0;
        for a in &actors {
            for conv in &convs {
                n += usize::from(check(
                    black_box(a),
                    Action::ViewConversation,
                    &Resource::Conversation(black_box(conv)),
                ));
            }
        }
        n
    });
    g.bench_function("bitmask", |b| {
        b.iter(|| {
            let mut n = 0;
            for a in &plains {
                for conv in &convs {
                    n += usize::from(plain_view(black_box(a), black_box(conv)));
                }
            }
            n
        })
    });
    g.finish();

    let to_teams = [TeamId(1)];
    let to_teams_raw = [1u64];
    let targets = [
        Assignment::Unassigned,
        Assignment::Team { team: TeamId(1) },
        Assignment::TeamMember {
            team: TeamId(1),
            member: MemberId(3),
        },
        Assignment::Member {
            member: MemberId(4),
        },
    ];
    let mut g = c.benchmark_group("reassign");
    purview_both!(g, |check| {
        let mut n = 0;
        for a in &actors {
            for (i, conv) in convs.iter().enumerate() {
                let r = Resource::Reassignment {
                    conversation: conv,
                    to: targets[i % 4],
                    to_member_teams: &to_teams,
                };
                n += usize::from(check(
                    black_box(a),
                    Action::AssignConversation,
                    black_box(&r),
                ));
            }
        }
        n
    });
    g.bench_function("bitmask", |b| {
        b.iter(|| {
            let mut n = 0;
            for a in &plains {
                for (i, conv) in convs.iter().enumerate() {
                    n += usize::from(plain_reassign(
                        black_box(a),
                        black_box(conv),
                        targets[i % 4],
                        &to_teams_raw,
                    ));
                }
            }
            n
        })
    });
    g.finish();

    let many = conversations(100_000);
    let agent = &actors[4];
    let plain_agent = &plains[4];
    let mut g = c.benchmark_group("filter_100k");
    g.sample_size(30);
    g.bench_function("purview", |b| {
        b.iter(|| {
            let filter = ConversationFilter::view(black_box(agent));
            many.iter().filter(|c| filter.matches(c)).count()
        })
    });
    g.bench_function("bitmask", |b| {
        b.iter(|| {
            many.iter()
                .filter(|c| plain_view(black_box(plain_agent), c))
                .count()
        })
    });
    g.finish();
}

/// A hand-written member of the workspace and assistant checks: a mask, the
/// knowledge bases referenced (sorted; `None` for all) and an id.
struct PlainMember {
    org: u64,
    id: u64,
    enabled: bool,
    mask: u64,
    knowledge: Option<Vec<u64>>,
}

#[inline(never)]
fn plain_chat(a: &PlainMember, org: u64, bit: u64, owner: u64) -> bool {
    a.org == org && a.enabled && a.mask & bit == bit && owner == a.id
}

#[inline(never)]
fn plain_query(a: &PlainMember, org: u64, kb: u64) -> bool {
    const QUERY: u64 = 1 << 39;
    a.org == org
        && a.enabled
        && a.mask & QUERY == QUERY
        && a.knowledge
            .as_ref()
            .is_none_or(|ids| ids.binary_search(&kb).is_ok())
}

/// The hand-written contact rule, with the rule as data as an organization
/// configures it: the entry belongs to the knowledge base of the contact's
/// organization; the knowledge base admits contacts that have `present`, the
/// entry those whose `key` is one of `values`.
struct PlainRule {
    present: String,
    key: String,
    values: Vec<String>,
}

#[inline(never)]
fn plain_audience(
    org: u64,
    attrs: &[(String, String)],
    base: &purview::KnowledgeBase,
    entry: &purview::Document,
    rule: &PlainRule,
) -> bool {
    let get = |key: &str| {
        attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    org == base.org.0
        && entry.org == base.org
        && entry.knowledge_base == base.id
        && get(&rule.present).is_some()
        && get(&rule.key).is_some_and(|v| rule.values.iter().any(|w| w == v))
}

/// The same rule compiled into the code, with literal strings: the fastest a
/// host could write for one fixed rule.
#[inline(never)]
fn literal_audience(
    org: u64,
    attrs: &[(String, String)],
    base: &purview::KnowledgeBase,
    entry: &purview::Document,
) -> bool {
    let get = |key: &str| {
        attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    org == base.org.0
        && entry.org == base.org
        && entry.knowledge_base == base.id
        && get("membership_level").is_some()
        && matches!(get("tier"), Some("gold" | "platinum"))
}

fn presets(c: &mut Criterion) {
    use purview::{
        AiChatId, Attributes, Audience, Document, DocumentId, KnowledgeBase, KnowledgeBaseId,
    };
    const CHAT: u64 = 1 << 25;

    // Workspace: a private AI chat, for every role, over chats of four owners.
    let workspace = preset::workspace();
    let members: Vec<Actor> = workspace
        .roles()
        .enumerate()
        .map(|(i, r)| Actor::member(OrgId(1), MemberId(i as u64), r, []))
        .collect();
    let plain_members: Vec<PlainMember> = workspace
        .roles()
        .enumerate()
        .map(|(i, r)| PlainMember {
            org: 1,
            id: i as u64,
            enabled: !r.is_disabled(),
            mask: r.permissions().bits(),
            knowledge: None,
        })
        .collect();
    let mut g = c.benchmark_group("workspace_ai_chat");
    purview_both!(g, |check| {
        let mut n = 0;
        for a in &members {
            for owner in 0..4 {
                let chat = Resource::AiChat {
                    org: OrgId(1),
                    chat: AiChatId(1),
                    owner: MemberId(black_box(owner)),
                };
                n += usize::from(check(black_box(a), Action::ViewAiChat, &chat));
            }
        }
        n
    });
    g.bench_function("bitmask", |b| {
        b.iter(|| {
            let mut n = 0;
            for a in &plain_members {
                for owner in 0..4 {
                    n += usize::from(plain_chat(black_box(a), 1, CHAT, black_box(owner)));
                }
            }
            n
        })
    });
    g.finish();

    // Assistant: a member queries knowledge bases through their role's references.
    let assistant = preset::assistant();
    let members: Vec<Actor> = assistant
        .roles()
        .enumerate()
        .map(|(i, r)| Actor::member(OrgId(1), MemberId(i as u64), r, []))
        .collect();
    let plain_members: Vec<PlainMember> = assistant
        .roles()
        .enumerate()
        .map(|(i, r)| PlainMember {
            org: 1,
            id: i as u64,
            enabled: true,
            mask: r.permissions().bits(),
            knowledge: match r.knowledge() {
                purview::KnowledgeRefs::All => None,
                purview::KnowledgeRefs::Only(ids) => Some(ids.iter().map(|k| k.0).collect()),
            },
        })
        .collect();
    let bases: Vec<KnowledgeBase> = (1..=3)
        .map(|i| KnowledgeBase {
            id: KnowledgeBaseId(i),
            org: OrgId(1),
            audience: None,
        })
        .collect();
    let mut g = c.benchmark_group("assistant_knowledge_query");
    purview_both!(g, |check| {
        let mut n = 0;
        for a in &members {
            for kb in &bases {
                n += usize::from(check(
                    black_box(a),
                    Action::QueryKnowledgeBase,
                    &Resource::KnowledgeBase(black_box(kb)),
                ));
            }
        }
        n
    });
    g.bench_function("bitmask", |b| {
        b.iter(|| {
            let mut n = 0;
            for a in &plain_members {
                for kb in &bases {
                    let kb = black_box(kb);
                    n += usize::from(plain_query(black_box(a), kb.org.0, kb.id.0));
                }
            }
            n
        })
    });
    g.finish();

    // Assistant: a contact's attributes against an audience rule.
    let base = KnowledgeBase {
        id: KnowledgeBaseId(1),
        org: OrgId(1),
        audience: Some(Audience::present("membership_level")),
    };
    let entry = Document {
        id: DocumentId(1),
        org: OrgId(1),
        knowledge_base: base.id,
        audience: Some(Audience::one_of("tier", ["gold", "platinum"])),
    };
    let people: Vec<Vec<(String, String)>> = [
        vec![],
        vec![("membership_level", "basic")],
        vec![("membership_level", "plus"), ("tier", "silver")],
        vec![
            ("region", "eu"),
            ("membership_level", "plus"),
            ("tier", "gold"),
        ],
        vec![
            ("membership_level", "top"),
            ("tier", "platinum"),
            ("region", "us"),
        ],
    ]
    .into_iter()
    .map(|p| {
        p.into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    })
    .collect();
    let contacts: Vec<Actor> = people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Actor::contact(
                OrgId(1),
                ContactId(i as u64),
                p.iter().cloned().collect::<Attributes>(),
            )
        })
        .collect();
    let mut g = c.benchmark_group("contact_audience");
    purview_both!(g, |check| {
        let mut n = 0;
        for a in &contacts {
            let resource = Resource::Document {
                knowledge_base: black_box(&base),
                document: black_box(&entry),
            };
            n += usize::from(check(black_box(a), Action::QueryKnowledgeBase, &resource));
        }
        n
    });
    let rule = PlainRule {
        present: "membership_level".to_owned(),
        key: "tier".to_owned(),
        values: vec!["gold".to_owned(), "platinum".to_owned()],
    };
    g.bench_function("hand_written", |b| {
        b.iter(|| {
            let mut n = 0;
            for p in &people {
                n += usize::from(plain_audience(
                    1,
                    black_box(p),
                    black_box(&base),
                    black_box(&entry),
                    black_box(&rule),
                ));
            }
            n
        })
    });
    g.bench_function("literal", |b| {
        b.iter(|| {
            let mut n = 0;
            for p in &people {
                n += usize::from(literal_audience(
                    1,
                    black_box(p),
                    black_box(&base),
                    black_box(&entry),
                ));
            }
            n
        })
    });
    g.finish();
}

/// A request as a host holds it when the action is data (a route table, a
/// middleware that maps endpoints to actions): the action is known only at
/// run time.
enum Request<'a> {
    /// `can(actor, action, resource)`.
    Check(Action, Resource<'a>),
    /// A list endpoint: the filter for the action, applied to one row.
    List(Action, &'a Conversation),
}

/// The same requests as the hand-written host holds them: its route table
/// maps each endpoint to a bit, a role table or a conversation rule.
enum PlainRequest<'a> {
    Feature(u64),
    Invite(usize),
    View(&'a Conversation),
    Reply(&'a Conversation),
    Reassign(&'a Conversation, Assignment, &'a [u64]),
    List(&'a Conversation),
}

/// A hand-written member for the mixed stream: a mask, scope flags as
/// booleans, a row of the role table (which roles it may invite to), and
/// teams sorted for a binary search.
struct PlainMixed {
    org: u64,
    id: u64,
    enabled: bool,
    mask: u64,
    view: [bool; 4],
    manage: [bool; 4],
    may_invite: [bool; 5],
    teams: Vec<u64>,
}

const CONVERSATION_VIEW: u64 = 1;

/// Organization-wide, unassigned, my teams, assigned to me.
fn scope_flags(s: purview::ConversationScope) -> [bool; 4] {
    use purview::ConversationScope as S;
    [
        s.contains(S::ORGANIZATION),
        s.contains(S::UNASSIGNED),
        s.contains(S::MY_TEAMS),
        s.contains(S::ASSIGNED_TO_ME),
    ]
}

impl PlainMixed {
    #[inline]
    fn in_team(&self, team: u64) -> bool {
        self.teams.binary_search(&team).is_ok()
    }

    #[inline]
    fn in_scope(&self, c: &Conversation, s: [bool; 4]) -> bool {
        if s[0] {
            return true;
        }
        match c.assignment {
            Assignment::Unassigned => s[1],
            Assignment::Team { team } => s[2] && self.in_team(team.0),
            Assignment::TeamMember { team, member } => {
                (s[2] && self.in_team(team.0)) || (s[3] && member.0 == self.id)
            }
            Assignment::Member { member } => s[3] && member.0 == self.id,
        }
    }

    #[inline]
    fn gate(&self, org: u64, bit: u64) -> bool {
        self.org == org && self.enabled && self.mask & bit == bit
    }
}

#[inline(never)]
fn plain_mixed(a: &PlainMixed, r: &PlainRequest<'_>) -> bool {
    match *r {
        PlainRequest::Feature(bit) => a.gate(1, bit),
        PlainRequest::Invite(role) => a.gate(1, 1 << 15) && a.may_invite[role],
        PlainRequest::View(c) | PlainRequest::List(c) => {
            a.gate(c.org.0, CONVERSATION_VIEW) && a.in_scope(c, a.view)
        }
        PlainRequest::Reply(c) => a.gate(c.org.0, 1 << 1) && a.in_scope(c, a.manage),
        PlainRequest::Reassign(c, to, to_teams) => {
            if !(a.gate(c.org.0, 1 << 4) && a.in_scope(c, a.manage)) {
                return false;
            }
            if let Assignment::TeamMember { team, .. } = to {
                if !to_teams.contains(&team.0) {
                    return false;
                }
            }
            let m = a.manage;
            if m[0] {
                return true;
            }
            match to {
                Assignment::Unassigned => m[1],
                Assignment::Team { team } => m[2] && a.in_team(team.0),
                Assignment::TeamMember { team, member } => {
                    (m[2] && a.in_team(team.0)) || (m[3] && member.0 == a.id)
                }
                Assignment::Member { member } => {
                    (m[3] && member.0 == a.id) || (m[2] && to_teams.iter().any(|t| a.in_team(*t)))
                }
            }
        }
    }
}

#[inline(never)]
fn checked_request(actor: &Actor, r: &Request<'_>) -> bool {
    match r {
        Request::Check(action, resource) => can(actor, *action, resource).is_allowed(),
        Request::List(action, c) => ConversationFilter::for_action(actor, *action).matches(c),
    }
}

/// A mixed stream of requests whose action is data, against the
/// hand-written host on the same stream, for members in 2 and in 64 teams
/// (their conversations' teams among them): the cost must not grow with
/// the teams.
fn mixed(c: &mut Criterion) {
    let catalog = preset::helpdesk();
    let roles: Vec<&purview::Role> = catalog.roles().collect();
    let features = [
        Action::EditQuickReplies,
        Action::ViewAnalytics,
        Action::CreateTeam,
        Action::EditAutoAssignment,
        Action::ViewMembers,
        Action::ManageInvitations,
        Action::EditOrganization,
        Action::ListConversations,
    ];
    let to_teams = [TeamId(1)];
    let to_teams_raw = [1u64];
    let targets = [
        Assignment::Unassigned,
        Assignment::Team { team: TeamId(1) },
        Assignment::TeamMember {
            team: TeamId(1),
            member: MemberId(3),
        },
        Assignment::Member {
            member: MemberId(4),
        },
    ];
    let convs = conversations(64);
    // One kind of request alone, to see what each costs: 0 features,
    // 1 invitations, 2 views, 3 replies, 4 reassignments, 5 list filters.
    let only: Option<usize> = std::env::var("MIXED_STREAM_ONLY")
        .ok()
        .and_then(|v| v.parse().ok());
    let mut g = c.benchmark_group("mixed_stream");
    for teams in [2u64, 64] {
        // Teams 1, 3, 5, …: half of the conversations' teams are the member's.
        let team_ids: Vec<TeamId> = (0..teams).map(|t| TeamId(2 * t + 1)).collect();
        let actors: Vec<Actor> = roles
            .iter()
            .enumerate()
            .map(|(i, r)| Actor::member(OrgId(1), MemberId(i as u64), r, team_ids.iter().copied()))
            .collect();
        let plains: Vec<PlainMixed> = roles
            .iter()
            .enumerate()
            .map(|(i, r)| PlainMixed {
                org: 1,
                id: i as u64,
                enabled: true,
                mask: r.permissions().bits(),
                view: scope_flags(r.view_scope()),
                manage: scope_flags(r.manage_scope()),
                may_invite: std::array::from_fn(|j| {
                    !roles[j].is_unique() && !roles[j].grants_beyond(r)
                }),
                teams: team_ids.iter().map(|t| t.0).collect(),
            })
            .collect();
        let mut requests = Vec::new();
        let mut plain_requests = Vec::new();
        for i in 0..256usize {
            if only.is_some_and(|kind| i % 6 != kind) {
                continue;
            }
            let conv = &convs[(i * 7) % convs.len()];
            match i % 6 {
                0 => {
                    let a = features[(i / 6) % features.len()];
                    requests.push(Request::Check(a, Resource::Organization(OrgId(1))));
                    plain_requests.push(PlainRequest::Feature(a.required().bits()));
                }
                1 => {
                    let role = (i / 6) % roles.len();
                    requests.push(Request::Check(
                        Action::InviteMembers,
                        Resource::Invitation {
                            org: OrgId(1),
                            role: roles[role],
                        },
                    ));
                    plain_requests.push(PlainRequest::Invite(role));
                }
                2 => {
                    requests.push(Request::Check(
                        Action::ViewConversation,
                        Resource::Conversation(conv),
                    ));
                    plain_requests.push(PlainRequest::View(conv));
                }
                3 => {
                    requests.push(Request::Check(
                        Action::ReplyConversation,
                        Resource::Conversation(conv),
                    ));
                    plain_requests.push(PlainRequest::Reply(conv));
                }
                4 => {
                    let to = targets[(i / 6) % 4];
                    requests.push(Request::Check(
                        Action::AssignConversation,
                        Resource::Reassignment {
                            conversation: conv,
                            to,
                            to_member_teams: &to_teams,
                        },
                    ));
                    plain_requests.push(PlainRequest::Reassign(conv, to, &to_teams_raw));
                }
                _ => {
                    requests.push(Request::List(Action::ViewConversation, conv));
                    plain_requests.push(PlainRequest::List(conv));
                }
            }
        }
        // Both answer every request alike: the comparison is of equal work.
        for (a, p) in actors.iter().zip(&plains) {
            for (r, pr) in requests.iter().zip(&plain_requests) {
                assert_eq!(checked_request(a, r), plain_mixed(p, pr));
            }
        }
        g.bench_function(format!("purview/teams_{teams}"), |b| {
            b.iter(|| {
                let mut n = 0;
                for a in &actors {
                    for r in &requests {
                        n += usize::from(checked_request(black_box(a), black_box(r)));
                    }
                }
                n
            })
        });
        g.bench_function(format!("bitmask/teams_{teams}"), |b| {
            b.iter(|| {
                let mut n = 0;
                for a in &plains {
                    for r in &plain_requests {
                        n += usize::from(plain_mixed(black_box(a), black_box(r)));
                    }
                }
                n
            })
        });
    }
    g.finish();
}

criterion_group!(benches, evaluation, presets, mixed);
criterion_main!(benches);
