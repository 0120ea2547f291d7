// amazon-cognito-identity-js (an SRP and device-SRP implementation not written in this project) against
// localcognito: sign-up, confirm with the outbox code, SRP sign-in with MFA set-up (TOTP), a TOTP
// sign-in that remembers the device, a sign-in that passes DEVICE_SRP_AUTH with no TOTP code, a refresh.
//
// Usage: node flow.js '{"endpoint": "http://127.0.0.1:PORT", "poolId": "...", "clientId": "...",
//                      "username": "...", "email": "...", "password": "..."}'
// Prints one JSON object with what happened at each step; exits non-zero on the first failure.
'use strict';

const crypto = require('crypto');
const {
	AuthenticationDetails,
	CognitoUser,
	CognitoUserAttribute,
	CognitoUserPool,
} = require('amazon-cognito-identity-js');

const config = JSON.parse(process.argv[2]);
const steps = {};

// One storage for every CognitoUser, as a browser's localStorage would be: the device key lives there.
const memory = new Map();
const storage = {
	setItem: (key, value) => memory.set(key, String(value)),
	getItem: key => (memory.has(key) ? memory.get(key) : null),
	removeItem: key => memory.delete(key),
	clear: () => memory.clear(),
};
const pool = new CognitoUserPool({
	UserPoolId: config.poolId,
	ClientId: config.clientId,
	endpoint: config.endpoint + '/',
	Storage: storage,
});

// RFC 6238 TOTP (SHA-1, 6 digits, 30 s) over an RFC 4648 base32 secret, at time now + 30 s * step.
function totp(secret, step = 0) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = '';
	for (const char of secret.replace(/=+$/, '').toUpperCase()) {
		bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
	}
	const key = Buffer.alloc(Math.floor(bits.length / 8));
	for (let i = 0; i < key.length; i++) key[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
	const counter = Buffer.alloc(8);
	counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + step));
	const digest = crypto.createHmac('sha1', key).update(counter).digest();
	const offset = digest[digest.length - 1] & 0x0f;
	const value = (digest.readUInt32BE(offset) & 0x7fffffff) % 1000000;
	return String(value).padStart(6, '0');
}

function user() {
	return new CognitoUser({ Username: config.username, Pool: pool, Storage: storage });
}

function details() {
	return new AuthenticationDetails({ Username: config.username, Password: config.password });
}

function fail(step, reason) {
	return new Error(`${step}: ${reason && reason.code ? reason.code + ' ' : ''}${reason && reason.message ? reason.message : reason}`);
}

function signUp() {
	return new Promise((resolve, reject) => {
		const email = new CognitoUserAttribute({ Name: 'email', Value: config.email });
		pool.signUp(config.username, config.password, [email], null, (err, result) =>
			err ? reject(fail('signUp', err)) : resolve(result)
		);
	});
}

async function outboxCode() {
	const response = await fetch(config.endpoint + '/_local/outbox');
	const messages = await response.json();
	const mine = messages.filter(m => m.username === config.username && m.kind === 'signup');
	if (!mine.length) throw fail('outbox', 'no sign-up code');
	return mine[mine.length - 1].code;
}

function confirm(code) {
	return new Promise((resolve, reject) =>
		user().confirmRegistration(code, true, (err, result) => (err ? reject(fail('confirm', err)) : resolve(result)))
	);
}

// First SRP sign-in: the pool requires MFA, so Cognito answers MFA_SETUP; set TOTP up in the same sign-in.
function signInWithMfaSetup() {
	return new Promise((resolve, reject) => {
		const cognitoUser = user();
		cognitoUser.authenticateUser(details(), {
			onSuccess: () => reject(fail('first sign-in', 'tokens without MFA set-up')),
			onFailure: err => reject(fail('first sign-in', err)),
			totpRequired: () => reject(fail('first sign-in', 'TOTP asked before set-up')),
			mfaSetup: () => {
				steps.mfaSetupChallenge = true;
				cognitoUser.associateSoftwareToken({
					onFailure: err => reject(fail('associateSoftwareToken', err)),
					associateSecretCode: secret => {
						cognitoUser.verifySoftwareToken(totp(secret), 'node', {
							onFailure: err => reject(fail('verifySoftwareToken', err)),
							onSuccess: session => resolve({ secret, session }),
						});
					},
				});
			},
		});
	});
}

// Second sign-in: SRP, then SOFTWARE_TOKEN_MFA; the library confirms the new device; we remember it.
function signInWithTotpAndRememberDevice(secret) {
	return new Promise((resolve, reject) => {
		const cognitoUser = user();
		cognitoUser.authenticateUser(details(), {
			onFailure: err => reject(fail('TOTP sign-in', err)),
			mfaSetup: () => reject(fail('TOTP sign-in', 'MFA set-up asked again')),
			totpRequired: () => {
				steps.totpChallenge = true;
				// The set-up used this window's code; Cognito takes each code once, so use the next window's.
				cognitoUser.sendMFACode(
					totp(secret, 1),
					{
						onFailure: err => reject(fail('sendMFACode', err)),
						onSuccess: (session, userConfirmationNecessary) => {
							steps.deviceConfirmed = Boolean(cognitoUser.deviceKey);
							steps.userConfirmationNecessary = Boolean(userConfirmationNecessary);
							cognitoUser.setDeviceStatusRemembered({
								onFailure: err => reject(fail('setDeviceStatusRemembered', err)),
								onSuccess: () => resolve({ deviceKey: cognitoUser.deviceKey, session }),
							});
						},
					},
					'SOFTWARE_TOKEN_MFA'
				);
			},
		});
	});
}

// Third sign-in: the remembered device answers DEVICE_SRP_AUTH; no TOTP code may be asked for.
function signInWithRememberedDevice() {
	return new Promise((resolve, reject) => {
		const cognitoUser = user();
		cognitoUser.authenticateUser(details(), {
			onFailure: err => reject(fail('device sign-in', err)),
			totpRequired: () => reject(fail('device sign-in', 'a TOTP code was asked for')),
			mfaSetup: () => reject(fail('device sign-in', 'MFA set-up asked again')),
			onSuccess: session => resolve({ cognitoUser, session }),
		});
	});
}

function refresh(cognitoUser, session) {
	return new Promise((resolve, reject) =>
		cognitoUser.refreshSession(session.getRefreshToken(), (err, fresh) =>
			err ? reject(fail('refreshSession', err)) : resolve(fresh)
		)
	);
}

async function main() {
	const signedUp = await signUp();
	steps.signUp = { userConfirmed: signedUp.userConfirmed, sub: signedUp.userSub };
	steps.confirm = await confirm(await outboxCode());
	const { secret, session: first } = await signInWithMfaSetup();
	steps.mfaSetupTokens = first.isValid();
	const { deviceKey } = await signInWithTotpAndRememberDevice(secret);
	steps.deviceKey = deviceKey;
	const { cognitoUser, session } = await signInWithRememberedDevice();
	steps.deviceSignInTokens = session.isValid();
	steps.deviceSignInUsername = session.getIdToken().decodePayload()['cognito:username'];
	const fresh = await refresh(cognitoUser, session);
	steps.refreshed = fresh.isValid() && fresh.getAccessToken().getJwtToken() !== session.getAccessToken().getJwtToken();
	process.stdout.write(JSON.stringify({ ok: true, steps }) + '\n');
}

main().catch(error => {
	process.stdout.write(JSON.stringify({ ok: false, error: String(error.message || error), steps }) + '\n');
	process.exit(1);
});
