"""The desk's fetcher: a real HTTP client against a real local server, refusing what it must."""

import gzip

import pytest

from stories.ingest.fetching import FetchError, RefusedAddress, address_allowed, fetch_page

PAGE = "<html><head><title>Talks</title></head><body><p>Talks resume in London.</p></body></html>"


def test_a_page_is_fetched_with_its_type_and_charset(local_site):
    url = local_site.page("/talks", PAGE)
    page = fetch_page(url=url)
    assert page.body == PAGE.encode()
    assert page.media_type == "text/html" and page.charset == "utf-8"
    assert page.url == url == page.requested_url


def test_plain_text_is_fetched_too(local_site):
    page = fetch_page(url=local_site.page("/talks.txt", "Talks\n\nThey resume.", content_type="text/plain"))
    assert page.media_type == "text/plain" and page.charset is None


def test_a_redirect_is_followed_and_the_final_address_kept(local_site):
    final = local_site.page("/final", PAGE)
    start = local_site.redirect("/start", "/final", status=301)
    page = fetch_page(url=start)
    assert page.url == final and page.requested_url == start and page.body == PAGE.encode()


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "192.168.0.10",
                                     "172.16.5.4", "100.64.0.1", "0.0.0.0", "fe80::1", "fc00::1", "::ffff:127.0.0.1"])
def test_private_loopback_and_link_local_addresses_are_not_allowed(settings, address):
    settings.NEWSROOM_FETCH_ALLOW_PRIVATE = False
    assert not address_allowed(address)


def test_public_addresses_are_allowed(settings):
    settings.NEWSROOM_FETCH_ALLOW_PRIVATE = False
    assert address_allowed("93.184.215.14") and address_allowed("2606:4700::1111")


@pytest.mark.parametrize("host", ["127.0.0.1", "10.0.0.1", "169.254.169.254", "[::1]", "localhost"])
def test_the_fetcher_refuses_private_addresses_before_connecting(settings, host):
    settings.NEWSROOM_FETCH_ALLOW_PRIVATE = False
    with pytest.raises(RefusedAddress, match="private or local address"):
        fetch_page(url=f"http://{host}:9/page")


def test_the_local_server_itself_is_refused_with_the_setting_off(local_site, settings):
    url = local_site.page("/talks", PAGE)
    settings.NEWSROOM_FETCH_ALLOW_PRIVATE = False
    with pytest.raises(RefusedAddress, match="127.0.0.1"):
        fetch_page(url=url)


def test_a_redirect_to_a_private_address_is_refused(local_site, settings):
    # Only the test server's own address is let through: where it redirects is checked afresh.
    settings.NEWSROOM_FETCH_ALLOW_PRIVATE = False
    settings.NEWSROOM_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    assert fetch_page(url=local_site.page("/talks", PAGE)).body == PAGE.encode()
    for inside in ("http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/admin", "http://[::1]/"):
        local_site.redirect("/out", inside)
        with pytest.raises(RefusedAddress, match="private or local address"):
            fetch_page(url=local_site.url("/out"))


def test_an_answer_over_the_size_limit_is_refused(local_site, settings):
    settings.NEWSROOM_FETCH_MAX_BYTES = 1000
    url = local_site.page("/big", "<p>" + "x" * 5000 + "</p>")
    with pytest.raises(FetchError, match="larger than 1000"):
        fetch_page(url=url)


def test_a_compressed_answer_is_limited_by_its_unpacked_size(local_site, settings):
    settings.NEWSROOM_FETCH_MAX_BYTES = 10_000
    bomb = gzip.compress(b"<p>" + b"x" * 1_000_000)
    url = local_site.page("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    assert len(bomb) < 10_000
    with pytest.raises(FetchError, match="larger than"):
        fetch_page(url=url)


@pytest.mark.parametrize("content_type", ["image/png", "application/pdf", "application/json", ""])
def test_answers_that_are_not_pages_are_refused(local_site, content_type):
    url = local_site.page("/file", b"\x89PNG\r\n", content_type=content_type)
    with pytest.raises(FetchError, match="not a web page or plain text"):
        fetch_page(url=url)


def test_a_server_that_does_not_answer_in_time_is_given_up(local_site, settings):
    settings.NEWSROOM_FETCH_TIMEOUT = 0.3
    url = local_site.page("/slow", PAGE, delay=2)
    with pytest.raises(FetchError, match="did not answer within 0.3 seconds"):
        fetch_page(url=url)


def test_a_redirect_loop_is_refused(local_site):
    local_site.redirect("/a", "/b")
    start = local_site.redirect("/b", "/a")
    with pytest.raises(FetchError, match="redirects in a loop"):
        fetch_page(url=start)


def test_too_many_redirects_are_refused(local_site, settings):
    settings.NEWSROOM_FETCH_MAX_REDIRECTS = 3
    for n in range(5):
        local_site.redirect(f"/hop{n}", f"/hop{n + 1}")
    local_site.page("/hop5", PAGE)
    with pytest.raises(FetchError, match="redirects more than 3 times"):
        fetch_page(url=local_site.url("/hop0"))


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_error_answers_are_refused(local_site, status):
    url = local_site.page("/gone", "<p>Gone</p>", status=status)
    with pytest.raises(FetchError, match=f"answered {status}"):
        fetch_page(url=url)


@pytest.mark.parametrize("url", ["ftp://example.org/a", "file:///etc/passwd", "http://user:pw@example.org/"])
def test_addresses_that_are_not_plain_web_addresses_are_refused(url):
    with pytest.raises(FetchError):
        fetch_page(url=url)


def test_a_chain_of_slow_redirects_stops_at_the_deadline(local_site, settings):
    settings.NEWSROOM_FETCH_DEADLINE = 0.5
    for n in range(3):
        local_site.redirect(f"/slow{n}", f"/slow{n + 1}", delay=0.3)
    local_site.page("/slow3", PAGE)
    with pytest.raises(FetchError, match="took longer than 0.5 seconds"):
        fetch_page(url=local_site.url("/slow0"))
