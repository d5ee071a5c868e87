vcl 4.1;

# Varnish in front of the Newsroom app (Debian bookworm: varnish 7.1 and varnish-modules for xkey).
#
# Anonymous readers' pages are answered from here; staff, receipts, forms and the admin go to the app.
# Pages carry their cache keys in the `xkey` header and the app, when VARNISH_URL names this server,
# sends `PURGE /` with `xkey-purge: <keys>` after each change, so an edit is seen at once. Stale copies
# are kept for a day and served while the app or its database is down.
#
# Run: varnishd -a :80 -f /etc/varnish/varnish.vcl -s malloc,1g  (TLS terminates in front of it).

import std;
import xkey;

backend app {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 1s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
    # A page that needs no database: the probe says whether the app answers at all. A database outage is
    # caught per request below (a 5xx answer is replaced by the stale copy). ALLOWED_HOSTS must accept
    # 127.0.0.1 (its default does); X-Forwarded-Proto keeps an https:// site from redirecting the probe.
    .probe = {
        .request = "GET /robots.txt HTTP/1.1"
            "Host: 127.0.0.1"
            "X-Forwarded-Proto: https"
            "Connection: close";
        .interval = 2s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }
}

# Who may purge: this machine. Add the app servers' addresses when Varnish runs elsewhere.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    # Set only by this VCL; never taken from a client.
    if (req.restarts == 0) {
        unset req.http.X-Newsroom-Lookup;
        unset req.http.X-Newsroom-Stale-If-Error;
    }

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-purge !~ "[^\s,]") {
            return (synth(400, "An xkey-purge header naming the keys is required"));
        }
        # Soft purge: the pages expire now, so while the app is up the next reader waits for the page as
        # it is now (vcl_recv's grace of 0 s), but the copy stays to be served if the app is down. What
        # was withdrawn (an article taken down, a comment removed) goes at once, outage or not.
        if (req.http.xkey-purge-at-once) {
            set req.http.X-Purged = xkey.purge(req.http.xkey-purge);
        } else {
            set req.http.X-Purged = xkey.softpurge(req.http.xkey-purge);
        }
        return (synth(200, "Purged " + req.http.X-Purged));
    }

    if (req.method != "GET" && req.method != "HEAD") {
        # POSTs (a comment, the admin) and every other method go to the app as they came.
        return (pass);
    }
    if (req.url ~ "^/(admin|preview|comments)/") {
        return (pass);
    }
    if (req.url ~ "[?&]pending=") {
        # A reader's own receipt for a comment awaiting moderation.
        return (pass);
    }
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") {
        # Signed in (staff): every page fresh from the app, nothing stored.
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }

    # What anonymous pages show is the same for every reader: no cookie is needed by them (the comment
    # form takes no CSRF cookie), and one left from the admin (csrftoken) must not split the cache.
    unset req.http.Cookie;

    # Links shared with tracking parameters are the same page; the app would not store them otherwise.
    if (req.url ~ "[?&](utm_[a-z]+|fbclid|gclid|msclkid|mc_cid|mc_eid)=") {
        set req.url = regsuball(req.url, "(?<=[?&])(utm_[a-z]+|fbclid|gclid|msclkid|mc_cid|mc_eid)=[^&]*&?", "");
        set req.url = regsub(req.url, "[?&]+$", "");
    }
    set req.url = std.querysort(req.url);

    if (req.http.X-Newsroom-Stale-If-Error || !std.healthy(req.backend_hint)) {
        # The app is down, or could not answer this page: the copy kept (up to a day old) is served.
        set req.grace = 24h;
    } else {
        # The app is up: a page past its max-age waits for a fresh copy (one fetch for all who wait),
        # so no reader is shown a page older than the app allows.
        set req.grace = 0s;
    }

    set req.http.X-Newsroom-Lookup = "1";
    return (hash);
}

sub vcl_hash {
    hash_data(req.url);
    if (req.http.Host) {
        hash_data(req.http.Host);
    } else {
        hash_data(server.ip);
    }
    # An https:// site redirects plain http: the redirect and the page are not the same object.
    hash_data(req.http.X-Forwarded-Proto);
    return (lookup);
}

sub vcl_backend_fetch {
    unset bereq.http.X-Newsroom-Lookup;
    return (fetch);
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        # A pass: delivered, never stored.
        return (deliver);
    }
    if (beresp.status >= 500) {
        if (bereq.is_bgfetch || !bereq.http.X-Newsroom-Stale-If-Error) {
            # The app or its database is down. Any answer stored now would replace the copy we have:
            # abandoned, the copy stays, and vcl_synth asks again for it.
            return (abandon);
        }
        # Asked again and no copy kept: the app's own 503 page, not stored.
        set beresp.ttl = 0s;
        set beresp.grace = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    if (beresp.http.Set-Cookie
        || beresp.http.Cache-Control ~ "(?i)(private|no-store|no-cache)"
        || beresp.http.Cache-Control !~ "(?i)public"
        || beresp.http.Vary == "*"
        || beresp.ttl <= 0s) {
        # Personal, or not said to be shareable: never stored. Remembered for two minutes as
        # hit-for-miss so that requests for it are not queued behind one another.
        set beresp.ttl = 120s;
        set beresp.uncacheable = true;
        return (deliver);
    }

    if (bereq.url ~ "^/static/") {
        # Hashed names (immutable) never change; an unhashed name may after a deployment.
        if (beresp.http.Cache-Control ~ "(?i)immutable") {
            set beresp.ttl = 365d;
        } else {
            set beresp.ttl = 1h;
        }
    }
    # Otherwise the TTL is the app's max-age (60 s), and purges make changes visible sooner.
    set beresp.grace = 24h;
    if (beresp.http.Content-Type ~ "^(text/|application/(xml|rss\+xml|atom\+xml|json|javascript))"
        && !beresp.http.Content-Encoding) {
        set beresp.do_gzip = true;
    }
    return (deliver);
}

sub vcl_backend_error {
    if (bereq.is_bgfetch || !bereq.http.X-Newsroom-Stale-If-Error) {
        # As for a 5xx: keep the copy we have, and let vcl_synth ask again for it.
        return (abandon);
    }
    # The app does not answer and no copy of this page is kept: the same words as the app's own 503 page.
    set beresp.http.Content-Type = "text/html; charset=utf-8";
    set beresp.http.Retry-After = "30";
    set beresp.http.Cache-Control = "no-store";
    synthetic({"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Back in a moment</title></head>
<body><main><h1>Back in a moment</h1>
<p>We cannot reach part of our system right now, so this page could not be shown. Our front page and the stories you have recently opened may still load.</p>
<p>Please try again in a minute.</p></main></body>
</html>
"});
    return (deliver);
}

sub vcl_synth {
    if (resp.status == 503 && req.restarts == 0 && req.http.X-Newsroom-Lookup) {
        # A fetch was abandoned: the app could not answer (down, or its database is). Once more,
        # accepting a copy kept in grace; without one the app's (or our) 503 page is shown.
        set req.http.X-Newsroom-Stale-If-Error = "1";
        return (restart);
    }
    return (deliver);
}

sub vcl_deliver {
    if (!req.http.X-Newsroom-Lookup) {
        set resp.http.X-Cache = "pass";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "hit";
    } else {
        set resp.http.X-Cache = "miss";
    }
    # The keys are for this cache, not for readers.
    unset resp.http.xkey;
    return (deliver);
}
