// Runs the search and query (retrieve) functions of @smartdcc/dccboxed-keystore against an SMKI repository
// service and prints what they return, as JSON; tests/integration/test_keystore_interop.py drives it.
//
//   node keystore_client.js PACKAGE_DIR ADDRESS < steps.json
//
// PACKAGE_DIR holds node_modules/@smartdcc/dccboxed-keystore; ADDRESS is what the client is given (a full URL).
// Each step is {"search": <the client's search request>} or {"query": "<serial in hex>"}; each result is
// {"ok": true, "found": [{der, eui, role, keyUsage}]} or {"ok": false, "error": "..."}.
'use strict'

const path = require('path')

const [packageDir, address] = process.argv.slice(2)
const client = require(path.join(packageDir, 'node_modules', '@smartdcc', 'dccboxed-keystore', 'dist',
  'certificateSearch.js'))

function describe(result) {
  return {
    der: Buffer.from(result.x509.raw).toString('base64'),
    eui: result.meta.eui.toString(),
    role: result.meta.role === undefined ? null : result.meta.role,
    keyUsage: result.meta.keyUsage,
  }
}

async function run(step) {
  try {
    if (step.search !== undefined) {
      return { ok: true, found: (await client.search(step.search, address)).map(describe) }
    }
    const found = await client.query(step.query, address)
    return { ok: true, found: found === null ? [] : [describe(found)] }
  } catch (error) {
    return { ok: false, error: String(error) }
  }
}

let input = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => { input += chunk })
process.stdin.on('end', async () => {
  const results = []
  for (const step of JSON.parse(input)) {
    results.push(await run(step))
  }
  process.stdout.write(JSON.stringify(results))
})
