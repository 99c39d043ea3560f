#!/usr/bin/python3
"""
A user of a third-party client library (slixmpp) at the lattice, for test/integration/xmpp-slixmpp.spec.ts:
logs in (SASL over loopback, no TLS), fetches D's XEP-0077 form, registers a nick with it, sends one
message to a nick@D of another server's user and waits for that user's reply.

Prints one JSON object per line (`event` names what happened) and exits 0 once the reply arrived,
1 on any failure (the last line says why). Run with /usr/bin/python3: slixmpp is the Debian package.

    chat.py --jid slix@a.localhost --password pw --host 127.0.0.1 --port 5222 \
            --domain lattice.a.localhost --nick slixnick --to bob --body 'hi' --timeout 60

References: XEP-0077 §3.1 (registration), §3.4 (a data form with FORM_TYPE jabber:iq:register),
XEP-0004 §3 (data forms), RFC 6121 §5 (messages), XEP-0100 §4.1 (D asks to see our presence).
"""
import argparse
import asyncio
import json
import logging
import sys

from slixmpp import JID, ClientXMPP
from slixmpp.exceptions import IqError

NS_REGISTER = 'jabber:iq:register'


def emit(event, **fields):
    print(json.dumps({'event': event, **fields}), flush=True)


class LatticeUser(ClientXMPP):
    def __init__(self, args):
        super().__init__(args.jid, args.password)
        self.args = args
        loop = asyncio.get_event_loop()
        # The reply from the peer; the whole session, done or failed.
        self.reply = loop.create_future()
        self.finished = loop.create_future()
        for plugin in ('xep_0004', 'xep_0030', 'xep_0077', 'xep_0199'):
            self.register_plugin(plugin)
        # Loopback without TLS (connect() below disables STARTTLS). slixmpp allows SCRAM on a bare
        # stream by default and picks it; PLAIN must be allowed explicitly, should a server offer only that.
        self['feature_mechanisms'].unencrypted_plain = True
        # The address given to connect() is the one to use, not a DNS answer for the JID's domain.
        self.default_port = args.port
        self.add_event_handler('session_start', self.on_session)
        self.add_event_handler('message', self.on_message)
        self.add_event_handler('failed_auth', lambda _: self.fail('authentication failed'))
        self.add_event_handler('connection_failed', lambda e: self.fail(f'connection failed: {e}'))
        self.add_event_handler('disconnected', lambda _: self.fail('disconnected'))
        self.add_event_handler('presence_subscribe', self.on_subscribe)

    def fail(self, why):
        if not self.finished.done():
            self.finished.set_exception(RuntimeError(why))

    def on_subscribe(self, presence):
        # slixmpp's roster answers subscription requests itself (auto_authorize); this only reports it.
        emit('subscribe', **{'from': str(presence['from'])})

    async def on_session(self, _event):
        try:
            await self.session()
            if not self.finished.done():
                self.finished.set_result(None)
        except Exception as err:  # noqa: BLE001 - any failure ends the run with its reason
            detail = str(err)
            if isinstance(err, IqError):
                detail = err.iq['error']['condition'] + ': ' + (err.iq['error']['text'] or '')
            self.fail(f'{type(err).__name__}: {detail}')

    async def session(self):
        a = self.args
        emit('online', jid=str(self.boundjid))
        # Prosody passes subscription requests only to resources that fetched the roster.
        await self.get_roster()
        self.send_presence()

        # The registration form, as the library reads it.
        form = await self['xep_0077'].get_registration(jid=a.domain, timeout=a.iq_timeout)
        query = form['register']
        x = query['form']
        emit(
            'form',
            registered=query['registered'],
            instructions=query['instructions'],
            legacy=sorted(query['fields']),
            formType=x['type'],
            fields={var: f['type'] for var, f in x.get_fields().items()},
            required=[var for var, f in x.get_fields().items() if f['required']],
            values={var: f['value'] for var, f in x.get_fields().items()},
        )
        if query['registered']:
            raise RuntimeError('already registered before the test')

        # Submit the form (XEP-0077 §3.4), typed and filled through the library's data forms.
        iq = self.Iq(stype='set', sto=a.domain)
        submit = self['xep_0004'].make_form(ftype='submit')
        submit.add_field(var='FORM_TYPE', ftype='hidden', value=NS_REGISTER)
        submit.add_field(var='nick', value=a.nick)
        iq['register'].append(submit)
        result = await iq.send(timeout=a.iq_timeout)
        emit('registered', type=result['type'], nick=a.nick, **{'from': str(result['from'])})

        again = await self['xep_0077'].get_registration(jid=a.domain, timeout=a.iq_timeout)
        emit('registration', registered=again['register']['registered'], nick=again['register']['nick'])

        peer = f'{a.to}@{a.domain}'
        self.send_message(mto=peer, mbody=a.body, mtype='chat')
        emit('sent', to=peer, body=a.body)
        reply = await self.reply
        emit('reply', **reply)

    def on_message(self, msg):
        sender = JID(msg['from'])
        fields = {'from': str(sender), 'type': msg['type'], 'body': msg['body'], 'id': msg['id']}
        emit('message', **fields)
        if msg['type'] == 'error':
            self.fail(f"error message {msg['error']['condition']} from {sender}")
        elif sender.bare == f'{self.args.to}@{self.args.domain}' and msg['body'] and not self.reply.done():
            self.reply.set_result(fields)


async def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--jid', required=True)
    p.add_argument('--password', required=True)
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--domain', required=True, help='the component domain D')
    p.add_argument('--nick', required=True)
    p.add_argument('--to', required=True, help='the nick to write to at D')
    p.add_argument('--body', required=True)
    p.add_argument('--timeout', type=float, default=60)
    p.add_argument('--iq-timeout', type=float, default=30)
    p.add_argument('--debug', action='store_true', help="slixmpp's own log on stderr, stanzas included")
    a = p.parse_args()
    logging.basicConfig(level=logging.DEBUG if a.debug else logging.WARNING, stream=sys.stderr)

    xmpp = LatticeUser(a)
    xmpp.connect((a.host, a.port), force_starttls=False, disable_starttls=True)
    try:
        await asyncio.wait_for(asyncio.shield(xmpp.finished), a.timeout)
        emit('done')
        return 0
    except Exception as err:  # noqa: BLE001 - any failure is reported and ends the run
        emit('failed', error=f'{type(err).__name__}: {err}')
        return 1
    finally:
        xmpp.disconnect()
        await asyncio.sleep(0.2)


if __name__ == '__main__':
    sys.exit(asyncio.run(main()))
