//! The axum example answers real HTTP requests on loopback: 200 when `can`
//! allows, 403 with the reason in JSON when it denies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../examples/axum_service.rs"]
mod service;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    member: Option<u64>,
) -> (u16, serde_json::Value) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let who = member.map_or(String::new(), |m| {
        format!("x-org-id: 1\r\nx-member-id: {m}\r\n")
    });
    let req = format!("{method} {path} HTTP/1.1\r\nhost: localhost\r\n{who}content-length: 0\r\nconnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let status: u16 = text[9..12].parse().unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    (
        status,
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn allowed_requests_answer_and_denied_ones_say_why() {
    let (app, [owner, a, b]) = service::demo_app().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, service::router(app)).await });

    // A sees and answers their own conversation.
    let (status, body) = request(addr, "GET", "/conversations/1", Some(a.get())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], 1);
    assert_eq!(
        request(addr, "POST", "/conversations/1/reply", Some(a.get()))
            .await
            .0,
        202
    );

    // A sees a teammate's conversation but may not answer it: 403 with the reason.
    assert_eq!(
        request(addr, "GET", "/conversations/2", Some(a.get()))
            .await
            .0,
        200
    );
    let (status, body) = request(addr, "POST", "/conversations/2/reply", Some(a.get())).await;
    assert_eq!(status, 403);
    assert_eq!(
        body["reason"],
        "conversation assigned to a teammate is outside the manage scope"
    );

    // Another organization's conversation is denied before anything else.
    let (status, body) = request(addr, "GET", "/conversations/3", Some(owner.get())).await;
    assert_eq!(status, 403);
    assert_eq!(
        body["reason"],
        "the resource belongs to another organization"
    );

    // The list applies the same rule, in the database: A sees their own,
    // their teammate's and the unassigned conversation; the owner sees
    // every conversation of the organization and none of another's.
    let list = |member: u64| async move {
        let (status, body) = request(addr, "GET", "/conversations", Some(member)).await;
        assert_eq!(status, 200, "{body}");
        body.as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_u64().unwrap())
            .collect::<Vec<u64>>()
    };
    assert_eq!(list(a.get()).await, vec![1, 2, 4]);
    assert_eq!(list(owner.get()).await, vec![1, 2, 4]);
    // The page agrees with the list for every conversation.
    for member in [owner, a, b] {
        let listed = list(member.get()).await;
        for id in 1..=4 {
            let (status, _) = request(
                addr,
                "GET",
                &format!("/conversations/{id}"),
                Some(member.get()),
            )
            .await;
            assert_eq!(
                status == 200,
                listed.contains(&id),
                "member {member}, conversation {id}"
            );
        }
    }

    // No actor, or an unknown one: 401.
    assert_eq!(request(addr, "GET", "/conversations/1", None).await.0, 401);
    assert_eq!(
        request(addr, "GET", "/conversations/1", Some(424_242))
            .await
            .0,
        401
    );
    server.abort();
}
