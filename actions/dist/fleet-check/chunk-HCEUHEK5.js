import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
var R=class extends Error{exitCode=2;constructor(e,t){super(e,t),this.name=new.target.name}};var _=class extends R{kind="configuration"},I=class extends R{constructor(t,i,r){super(t,r);this.awsCode=i}awsCode;kind="aws"},A=class extends R{kind="undecided"},Ee=new Set(["AccessDeniedException","AccessDenied","UnauthorizedOperation","UnrecognizedClientException","InvalidClientTokenId","ExpiredTokenException"]);function j(n){if(typeof n!="object"||n===null)return;let e=n;return typeof e.name=="string"&&e.name!=="Error"?e.name:typeof e.Code=="string"?e.Code:void 0}function ye(n){return n instanceof Error?n.message:String(n)}function dn(n,e,t){if(t instanceof R)return t;let i=Re(t);if(i!==void 0)return new I(`could not ${n}: ${i}`,void 0,{cause:t});let r=j(t),s=ye(t),o="";r&&Ee.has(r)?o=r.includes("Token")||r==="UnrecognizedClientException"?" \u2014 the AWS credentials are invalid or expired: check the role assumed by configure-aws-credentials":` \u2014 grant ${e}`:r==="CredentialsProviderError"?o=" \u2014 no AWS credentials found: configure them (aws-actions/configure-aws-credentials in a workflow, a profile or env vars locally)":r==="ThrottlingException"||r==="ThrottledException"||r==="TooManyRequestsException"?o=" \u2014 still throttled after retries: retry later or raise the retry budget":r===void 0&&(o=" \u2014 check the network path and region (is AWS_ENDPOINT_URL set to something unreachable?)");let d=r?`${r}: `:"";return new I(`could not ${n}: ${d}${s}${o}`,r,{cause:t})}function Re(n){if(!(n instanceof Error)||n.name!=="SyntaxError"&&!n.message.includes("Deserialization error"))return;let e=n.$response?.statusCode;return`the endpoint answered something that is not a well-formed AWS API response${typeof e=="number"?` (HTTP ${e})`:""}; check AWS_ENDPOINT_URL and the region, or whether an emulator implements this operation`}function ln(n,e){return j(n)===e}var be=/\\(\\)?/g,Ae=RegExp(`[^.[\\]]+|\\[(?:([^"'][^[]*)|(["'])((?:(?!\\2)[^\\\\]|\\\\.)*?)\\2)\\]|(?=(?:\\.|\\[\\])(?:\\.|\\[\\]|$))`,"g"),Ie=/\.|\[(?:[^[\]]*|(["'])(?:(?!\1)[^\\]|\\.)*?\1)\]/,Oe=/^\w*$/,we=function(n){return Object.prototype.toString.call(n)},K=function(n){let e=typeof n;return e==="symbol"||e==="object"&&n&&we(n)==="[object Symbol]"},ke=function(n,e){if(Array.isArray(n))return!1;let t=typeof n;return t==="number"||t==="symbol"||t==="boolean"||!n||K(n)?!0:Oe.test(n)||!Ie.test(n)||e!=null&&n in Object(e)},Te=function(n){let e=[];return n.charCodeAt(0)===46&&e.push(""),n.replace(Ae,function(t,i,r,s){let o=t;r?o=s.replace(be,"$1"):i&&(o=i.trim()),e.push(o)}),e},Ne=function(n,e){return Array.isArray(n)?n:ke(n,e)?[n]:Te(n)},xe=function(n){if(typeof n=="string"||K(n))return n;let e=`${n}`;return e=="0"&&1/n==-1/0?"-0":e},q=function(n,e){e=Ne(e,n);let t=0,i=e.length;for(;n!=null&&t<i;)n=n[xe(e[t++])];return t&&t===i?n:void 0};var z=function(n){return typeof n=="object"&&n!==null&&!Array.isArray(n)};var O=function(n){if(n==null)return[void 0,void 0];if(typeof n!="object")return[Error('Invalid option "columns": expect an array or an object')];if(Array.isArray(n)){let e=[];for(let t of n)if(typeof t=="string")e.push({key:t,header:t});else if(typeof t=="object"&&t!==null&&!Array.isArray(t)){if(!t.key)return[Error('Invalid column definition: property "key" is required')];t.header===void 0&&(t.header=t.key),e.push(t)}else return[Error("Invalid column definition: expect a string or an object")];n=e}else{let e=[];for(let t in n)e.push({key:t,header:n[t]});n=e}return[void 0,n]};var $=class n extends Error{constructor(e,t,...i){Array.isArray(t)&&(t=t.join(" ")),super(t),Error.captureStackTrace!==void 0&&Error.captureStackTrace(this,n),this.code=e;for(let r of i)for(let s in r){let o=r[s];this[s]=Buffer.isBuffer(o)?o.toString():o==null?o:JSON.parse(JSON.stringify(o))}}};var X=function(n){return n.replace(/([A-Z])/g,function(e,t){return"_"+t.toLowerCase()})};var w=function(n){let e={};for(let r in n)e[X(r)]=n[r];if(e.bom===void 0||e.bom===null||e.bom===!1)e.bom=!1;else if(e.bom!==!0)return[new $("CSV_OPTION_BOOLEAN_INVALID_TYPE",["option `bom` is optional and must be a boolean value,",`got ${JSON.stringify(e.bom)}`])];if(e.delimiter===void 0||e.delimiter===null)e.delimiter=",";else if(Buffer.isBuffer(e.delimiter))e.delimiter=e.delimiter.toString();else if(typeof e.delimiter!="string")return[new $("CSV_OPTION_DELIMITER_INVALID_TYPE",["option `delimiter` must be a buffer or a string,",`got ${JSON.stringify(e.delimiter)}`])];if(e.quote===void 0||e.quote===null)e.quote='"';else if(e.quote===!0)e.quote='"';else if(e.quote===!1)e.quote="";else if(Buffer.isBuffer(e.quote))e.quote=e.quote.toString();else if(typeof e.quote!="string")return[new $("CSV_OPTION_QUOTE_INVALID_TYPE",["option `quote` must be a boolean, a buffer or a string,",`got ${JSON.stringify(e.quote)}`])];if((e.quoted===void 0||e.quoted===null)&&(e.quoted=!1),e.escape_formulas===void 0||e.escape_formulas===null)e.escape_formulas=!1;else if(typeof e.escape_formulas!="boolean")return[new $("CSV_OPTION_ESCAPE_FORMULAS_INVALID_TYPE",["option `escape_formulas` must be a boolean,",`got ${JSON.stringify(e.escape_formulas)}`])];if((e.quoted_empty===void 0||e.quoted_empty===null)&&(e.quoted_empty=void 0),e.quoted_match===void 0||e.quoted_match===null||e.quoted_match===!1?e.quoted_match=null:Array.isArray(e.quoted_match)||(e.quoted_match=[e.quoted_match]),e.quoted_match)for(let r of e.quoted_match){let s=typeof r=="string",o=r instanceof RegExp;if(!s&&!o)return[new $("CSV_OPTION_QUOTED_MATCH",["option `quoted_match` must be a string or a regex,",`got ${JSON.stringify(e.quoted_match)}`])]}if((e.quoted_string===void 0||e.quoted_string===null)&&(e.quoted_string=!1),(e.eof===void 0||e.eof===null)&&(e.eof=!0),e.escape===void 0||e.escape===null)e.escape='"';else if(Buffer.isBuffer(e.escape))e.escape=e.escape.toString();else if(typeof e.escape!="string")return[Error(`Invalid Option: escape must be a buffer or a string, got ${JSON.stringify(e.escape)}`)];if(e.escape.length>1)return[Error(`Invalid Option: escape must be one character, got ${e.escape.length} characters`)];if(e.header===void 0||e.header===null||e.header===!1)e.header=!1;else if(e.header!==!0)throw new $("CSV_INVALID_OPTION_HEADER",["option `header` is expected to be a boolean,",`got ${JSON.stringify(e.header)}`],e);if(e.header_as_comment===void 0||e.header_as_comment===null||e.header_as_comment===!1)e.header_as_comment=!1;else if(e.header_as_comment===!0)e.header_as_comment="#";else if(Buffer.isBuffer(e.header_as_comment))e.header_as_comment=e.header_as_comment.toString();else if(typeof e.header_as_comment!="string")throw new $("CSV_INVALID_OPTION_HEADER_AS_COMMENT",["option `header_as_comment` must be a boolean, a string or a buffer,",`got ${JSON.stringify(e.header_as_comment)}`],e);let[t,i]=O(e.columns);if(t!==void 0)return[t];if(e.columns=i,(e.quoted===void 0||e.quoted===null)&&(e.quoted=!1),(e.cast===void 0||e.cast===null)&&(e.cast={}),(e.cast.bigint===void 0||e.cast.bigint===null)&&(e.cast.bigint=r=>""+r),(e.cast.boolean===void 0||e.cast.boolean===null)&&(e.cast.boolean=r=>r?"1":""),(e.cast.date===void 0||e.cast.date===null)&&(e.cast.date=r=>""+r.getTime()),(e.cast.number===void 0||e.cast.number===null)&&(e.cast.number=r=>""+r),(e.cast.object===void 0||e.cast.object===null)&&(e.cast.object=r=>JSON.stringify(r)),(e.cast.string===void 0||e.cast.string===null)&&(e.cast.string=function(r){return r}),e.on_record!==void 0&&typeof e.on_record!="function")return[Error('Invalid Option: "on_record" must be a function.')];if(e.quote_record_delimiter===void 0||e.quote_record_delimiter===null)e.quote_record_delimiter=!e.record_delimiter;else if(typeof e.quote_record_delimiter!="boolean")return[new $("CSV_OPTION_QUOTE_RECORD_DELIMITER_INVALID_TYPE",["option `quote_record_delimiter` must be a boolean,",`got ${JSON.stringify(e.quote_record_delimiter)}`])];if(e.record_delimiter===void 0||e.record_delimiter===null)e.record_delimiter=`
`;else if(Buffer.isBuffer(e.record_delimiter))e.record_delimiter=e.record_delimiter.toString();else if(typeof e.record_delimiter!="string")return[Error(`Invalid Option: record_delimiter must be a buffer or a string, got ${JSON.stringify(e.record_delimiter)}`)];switch(e.record_delimiter){case"unix":e.record_delimiter=`
`;break;case"mac":e.record_delimiter="\r";break;case"windows":e.record_delimiter=`\r
`;break;case"ascii":e.record_delimiter="";break;case"unicode":e.record_delimiter="\u2028";break}return[void 0,e]};var Ce=Buffer.from([239,187,191]),Y=function(n,e){return e.some(t=>t.length!==0&&(n.indexOf(t)!==-1||t.length>1&&(n+t).indexOf(t)<n.length))},J=function(n,e){return e?e.some(t=>typeof t=="string"?n.indexOf(t)!==-1:n.search(t)!==-1):!1},Z=function(n,e,t){return{options:n,state:e,info:t,__transform:function(i,r){if(!Array.isArray(i)&&typeof i!="object")return Error(`Invalid Record: expect an array or an object, got ${JSON.stringify(i)}`);if(this.info.records===0){if(Array.isArray(i)){if(this.options.header===!0&&this.options.columns===void 0)return Error("Undiscoverable Columns: header option requires column option or object records")}else if(this.options.columns===void 0){let[d,l]=O(Object.keys(i));if(d)return;this.options.columns=l}}if(this.info.records===0){this.bom(r);let d=this.headers(r);if(d)return d}try{this.options.on_record&&this.options.on_record(i,this.info.records)}catch(d){return d}let s,o;if(this.options.eof){if([s,o]=this.stringify(i),s)return s;if(o===void 0)return;o=o+this.options.record_delimiter}else{if([s,o]=this.stringify(i),s)return s;if(o===void 0)return;(this.options.header||this.info.records)&&(o=this.options.record_delimiter+o)}this.info.records++,r(o)},stringify:function(i,r=!1){if(typeof i!="object")return[void 0,i];let{columns:s}=this.options,o=[];if(Array.isArray(i)){let l=s?Math.min(i.length,s.length):i.length;for(let c=0;c<l;c++){let f=i[c],[a,u]=this.__cast(f,{index:c,column:c,records:this.info.records,header:r});if(a)return[a];o[c]=[u,f]}}else for(let l=0;l<s.length;l++){let c=q(i,s[l].key),[f,a]=this.__cast(c,{index:l,column:s[l].key,records:this.info.records,header:r});if(f)return[f];o[l]=[a,c]}let d="";for(let l=0;l<o.length;l++){let c,f,[a,u]=o[l];if(typeof a=="string")c=this.options;else if(z(a)){if(c={...a},a=c.value,delete c.value,typeof a!="string"&&a!==void 0&&a!==null&&f)return[Error(`Invalid Casting Value: returned value must return a string, null or undefined, got ${JSON.stringify(a)}`)];if(c={...this.options,...c},[f,c]=w(c),f!==void 0)return[f]}else if(a==null)c=this.options;else return[Error(`Invalid Casting Value: returned value must return a string, an object, null or undefined, got ${JSON.stringify(a)}`)];let{delimiter:h,escape:p,quote:m,quoted:g,quoted_empty:E,quoted_string:y,quoted_match:B,record_delimiter:pe,quote_record_delimiter:he,escape_formulas:me}=c;if(a===""&&u==="")(J(a,B)||E===!0||y===!0&&E!==!1)===!0&&(a=m+a+m),d+=a;else if(a){if(typeof a!="string")return[Error(`Formatter must return a string, null or undefined, got ${JSON.stringify(a)}`)];let W=Y(a,[h]),N=m!==""&&a.indexOf(m)>=0,ge=a.indexOf(p)>=0&&p!==m,$e=Y(a,[pe,...he===!1?[]:[`
`,"\r"]]),Se=y&&typeof u=="string",_e=J(a,B);if(me)switch(a[0]){case"-":if(typeof u=="number"||typeof u=="bigint")break;a=`'${a}`;break;case"=":case"+":case"@":case"	":case"\r":case"\uFF1D":case"\uFF0B":case"\uFF0D":case"\uFF20":a=`'${a}`;break}let V=N===!0||W||$e||g||Se||_e;V===!0&&ge===!0&&(a=a.replaceAll(p,()=>p+p)),N===!0&&(a=a.replaceAll(m,()=>p+m)),V===!0&&(a=m+a+m),d+=a}else(E===!0||u===""&&y===!0&&E!==!1)&&(d+=m+m);l!==o.length-1&&(d+=h)}return[void 0,d]},bom:function(i){this.options.bom===!0&&i(Ce)},headers:function(i){if(this.options.header===!1||this.options.columns===void 0)return;let r,s=this.options.columns.map(o=>o.header);if(this.options.eof?([r,s]=this.stringify(s,!0),s+=this.options.record_delimiter):[r,s]=this.stringify(s,!0),r)return r;this.options.header_as_comment&&(s=this.options.header_as_comment+" "+s),i(s)},__cast:function(i,r){let s=typeof i;try{return s==="string"?[void 0,this.options.cast.string(i,r)]:s==="bigint"?[void 0,this.options.cast.bigint(i,r)]:s==="number"?[void 0,this.options.cast.number(i,r)]:s==="boolean"?[void 0,this.options.cast.boolean(i,r)]:i instanceof Date?[void 0,this.options.cast.date(i,r)]:s==="object"&&i!==null?[void 0,this.options.cast.object(i,r)]:i===null&&this.options.cast.null!==void 0?[void 0,this.options.cast.null(i,r)]:i===void 0&&this.options.cast.undefined!==void 0?[void 0,this.options.cast.undefined(i,r)]:[void 0,i]}catch(o){return[o]}}}};var Q=function(n,e={}){let t=[],[i,r]=w(e);if(i!==void 0)throw i;let d=Z(r,{stop:!1},{records:0});for(let l of n){let c=d.__transform(l,function(f){t.push(f)});if(c!==void 0)throw c}if(t.length===0){d.bom(c=>{t.push(c)});let l=d.headers(c=>{t.push(c)});if(l!==void 0)throw l}return t.join("")};var x=/\r\n|[\r\n\u0085\u2028\u2029]/g,C=/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g,Ue=/##\[/g;function Nn(n){let e=n.replace(x,"\u23CE").replace(C,"").replace(Ue,"##\u2420[");return/^\s*::/.test(e)?`\u2420${e}`:e}var ee=1e3;function ne(n,e){if(n.length<=e)return n;let t=Array.from(n);return t.length<=e?n:`${t.slice(0,e-1).join("")}\u2026`}var De=/[\\`*_[\]<>|~&$]/g,Pe=/^(\s*)([-+#=:])/,Me=/^(\s*\d{1,9})([.)])(?=\s|$)/;function b(n,e=ee){return n===void 0||n===""?"\u2013":ne(String(n),e).replace(x," ").replace(C,"").replace(De,t=>`\\${t}`).replace(Pe,"$1\\$2").replace(Me,"$1\\$2")}function k(n,e=ee){if(n.includes("##["))return b(n,e);let t=ne(n,e).replace(x," ").replace(C,"").replace(/\|/g,"\\|");if(t==="")return"\u2013";let i=Math.max(0,...[...t.matchAll(/`+/g)].map(o=>o[0].length)),r="`".repeat(i+1),s=t.startsWith("`")||t.endsWith("`")?" ":"";return`${r}${s}${t}${s}${r}`}var ve=/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;function xn(n){return Q(n.map(e=>e.map(t=>typeof t=="string"?t.replace(ve,"\uFFFD"):t)),{escape_formulas:!0})}function Un(n){return n.startsWith("cn-")?"aws-cn":n.startsWith("us-gov-")?"aws-us-gov":"aws"}function Pn(n,e){if(!Number.isInteger(e)||e<1)throw new RangeError(`chunk size must be \u2265 1, got ${e}`);let t=[];for(let i=0;i<n.length;i+=e)t.push(n.slice(i,i+e));return t}function Mn(n,e){n[e]=(n[e]??0)+1}import{spawn as qe}from"node:child_process";import{createHash as le}from"node:crypto";import{Buffer as P}from"node:buffer";var S=["CRITICAL","HIGH","MEDIUM","LOW","INFORMATIONAL","UNTRIAGED"];function Le(){return{CRITICAL:0,HIGH:0,MEDIUM:0,LOW:0,INFORMATIONAL:0,UNTRIAGED:0,total:0}}function Ln(n){let e=Le();for(let t of n)e[t.severity]+=1,e.total+=1;return e}function Ge(n){return S.indexOf(n)}function Gn(n){return S.includes(n)}var U="built-in default",He="not loaded";var Fe="0.1.0";function re(n){return new Date(`${n.expires}T23:59:59.999Z`)}function te(n,e){return e.getTime()>re(n).getTime()}function Be(n,e){return n===e||n.endsWith(`/${e}`)||n.endsWith(`:${e}`)}function We(n,e){if(!e)return!0;let{resource:t}=n;if(e.repository!==void 0&&t.repository!==e.repository||e.resource!==void 0&&!Be(t.id,e.resource)||e.package!==void 0&&!n.packages.some(i=>i.name===e.package))return!1;if(e.tags){let i=t.tags??{};if(!Object.entries(e.tags).every(([r,s])=>i[r]===s))return!1}return!0}function Wn(n){return/^(U-\d{2,3}|RES-[A-Z]+)$/i.test(n)}var se=new Set(["config","securityhub"]);function oe(n){return se.has(n.source)?[n.id,...n.aliases??[]]:[n.id]}function D(n,e){let t=n.id.toUpperCase();return oe(e).some(i=>i.toUpperCase()===t)&&We(e,n.scope)}function Vn(n,e,t,i,r=()=>!0){let s=t.filter(r),o=s.filter(u=>!te(u,i)),d=Ve(s),l=[],c=[];for(let u of n){let h=ie(d,u)?o.find(p=>D(p,u)):void 0;h?c.push({finding:u,exception:h}):l.push(u)}let f=new Map;for(let u of e){let h=ie(d,u);if(h!==void 0)for(let p of h)D(p,u)&&f.set(p,(f.get(p)??0)+1)}let a={expired:s.filter(u=>te(u,i)).map(u=>({...u,matched:f.get(u)??0})),expiringSoon:o.map(u=>({...u,daysLeft:Math.floor((re(u).getTime()-i.getTime())/864e5)})).filter(u=>u.daysLeft<14),stale:o.filter(u=>!f.has(u))};return{remaining:l,excepted:c,report:a}}function Ve(n){let e=new Map;for(let t of n){let i=t.id.toUpperCase(),r=e.get(i);r?r.includes(t)||r.push(t):e.set(i,[t])}return e}function ie(n,e){if(n.size===0)return;if(!se.has(e.source))return n.get(e.id.toUpperCase());let t;for(let i of oe(e))for(let r of n.get(i.toUpperCase())??[])t??=[],t.includes(r)||t.push(r);return t}function jn(n,e,t){return[...n.expired.map(i=>`exception ${i.id} (owner ${i.owner}) expired on ${i.expires} and no longer applies${i.matched>0?` \u2014 it would cover ${i.matched} ${e} here`:""}`),...n.expiringSoon.map(i=>`exception ${i.id} (owner ${i.owner}) expires on ${i.expires}, in ${i.daysLeft} day(s)`),...n.stale.map(i=>`exception ${i.id} matched no ${t}: remove it if it is no longer needed`)]}var Qn={resultsPerRun:25e3,rulesPerRun:25e3,tagsPerRule:20,gzipBytes:9*1024*1024};var et=S.length+1;var nt=1024*1024;function je(n,e){let t=`| ${n.join(" | ")} |`,i=`| ${n.map(()=>"---").join(" | ")} |`;return[t,i,...e.map(r=>`| ${r.join(" | ")} |`)].join(`
`)}function dt(n){return je([...S.map(e=>e),"Total"],[[...S.map(e=>String(n[e])),String(n.total)]])}var Ke={pass:"\u2705 PASSED",block:"\u274C BLOCKED",error:"\u26A0\uFE0F COULD NOT DECIDE"};function lt(n,e){return`## assetguard ${n.command}: ${Ke[n.verdict]} \u2014 ${e}`}function G(n,e){return`${n} ${e}${n===1?"":"s"}`}var M=50;function ut(n){let e=(n??"no reason was recorded").split(/\r?\n/).map(s=>s.trim()).filter(s=>s!==""),[t="no reason was recorded",...i]=e,r=i.slice(0,M).map(s=>`- ${b(s)}`);return i.length>M&&r.push(`- \u2026and ${i.length-M} more (verdict.json has them all)`),[b(t),...r.length>0?[r.join(`
`)]:[]].join(`

`)}function ft(n,e){let t=`evaluated ${b(e)}`;return n.sha256===""?`Policy: not loaded \xB7 ${t}`:`Policy: ${n.origin===U?"the built-in default":k(n.origin)} (sha256 ${k(n.sha256.slice(0,12))}) \xB7 ${t}`}function pt(n,e){let t=n.slice(0,v).map(i=>`- ${b(i)}`);return n.length>v&&t.push(`- \u2026and ${n.length-v} more in ${e}`),t.join(`
`)}var v=100;var L=512*1024;function ht(n,e){let t=`${n.join(`

`)}
`.split(`
`).map(d=>d.replace(/^(\s*)::/,"$1\\::").replace(/##\[/g,"##\u200B[")).join(`
`),i=P.byteLength(t);if(i<=L)return t;let r=`

**This summary was cut at ${Math.floor(L/1024)} KiB of ${Math.ceil(i/1024)} KiB** (GitHub shows at most 1 MiB per step): ${e} has everything.
`,s=L-P.byteLength(r),o=P.from(t).subarray(0,s).toString("utf8");return`${o.slice(0,Math.max(0,o.lastIndexOf(`
`)))}${r}`}function mt(n,e="verdict.json"){return n?`${e} in ${k(n)}`:e}var T=`#!/bin/sh
# assetguard fleet host check.
#
# Checks one Linux host in the style of the KISA (Korea Internet & Security Agency) Unix server
# items (numbered as in KISA's 2021 technical vulnerability assessment guide, U-xx) and its
# resources (RES-xx), and prints one JSON line per check:
#
#   {"check":"U-01","title":"...","severity":"HIGH","status":"PASS|FAIL|INFO|ERROR","detail":"..."}
#
# with, where they apply, "item" (what the line is about: a mount point, the host name),
# "count" (how many things were found) and "evidence" (the first of them, as strings). The first
# line is the HOST line (host name, user, OS), the last the END line, whose count is the number
# of check lines before it: a reader that gets no END line, or another count, got a cut output.
#
# A check that cannot read what it needs (not run as root, a file missing or unreadable, a
# process list /proc does not show whole, a timeout) says ERROR or INFO, never PASS. POSIX sh, so
# it runs as AWS-RunShellScript runs it (/bin/sh); it writes nothing and needs no network.
#
# Settings (environment variables, defaults in brackets):
#   ASSETGUARD_ROOT               root of the tree to check [/]: a mounted image, or a planted tree
#                                 in the tests; symbolic links in it are followed within it
#   ASSETGUARD_PROC               the proc file system [$ASSETGUARD_ROOT/proc]
#   ASSETGUARD_FIND_TIMEOUT       seconds each file system search may take, 1 or more [120]
#   ASSETGUARD_MAX_EVIDENCE       items listed in "evidence" [20]
#   ASSETGUARD_PASSWORD_MINLEN    shortest password length U-02 accepts with 3 classes [8]
#   ASSETGUARD_LOCKOUT_MAX        most failed logins U-03 accepts before a lockout [10]
#   ASSETGUARD_SUID_ALLOW         more SUID/SGID file names or absolute paths U-13 accepts,
#                                 space-separated
#   ASSETGUARD_CPU_LOAD_MAX       5-minute load average per CPU RES-CPU accepts [1.5]
#   ASSETGUARD_MEM_MAX_PCT        memory use in percent RES-MEM accepts [90]
#   ASSETGUARD_DISK_MAX_PCT       block and inode use in percent RES-DISK accepts per mount [90]
#   ASSETGUARD_DISK_FSTYPES       file system types RES-DISK checks, space-separated [local disk
#                                 types, see below]
#   ASSETGUARD_ZOMBIE_MAX         zombie processes RES-ZOMBIE accepts [5]
#   ASSETGUARD_PROC_DENY          process names RES-PROC refuses, space-separated [known coin
#                                 miners and botnets]

SCRIPT_VERSION=2
# The checks this script prints, in this order: one line each, RES-DISK one per mounted disk (at
# least one). fleet-check expects a line of every one of them and reports a host whose output
# lacks one as not checked completely; scripts/fleet/embed-script.mjs reads this line into the
# bundles (HOST_CHECK_IDS), so the list is written here only.
CHECK_IDS='U-01 U-02 U-03 U-04 U-44 U-07 U-08 U-06 U-13 U-15 U-19 U-21 U-29 U-60 RES-CPU RES-MEM RES-DISK RES-ZOMBIE RES-PROC'
export LC_ALL=C
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

ROOT=\${ASSETGUARD_ROOT:-/}
# R is prepended to absolute paths: empty for the real root.
R=\${ROOT%/}
PROC=\${ASSETGUARD_PROC:-$R/proc}
CHECKS=0
DEFAULT_IFS=$IFS

# --- JSON output -------------------------------------------------------------------------------

# An awk function that turns a byte string into the inside of a JSON string: quotes, backslashes
# and control characters escaped, valid UTF-8 kept, and every byte that is not part of valid UTF-8
# (a file name in another encoding) written as the text \\xNN, so the line stays valid JSON and the
# name stays readable. Needs ord[] (byte -> number), which ORD_TABLE fills.
AWK_ESC='
function ord_table(   i) { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }
function esc(s,   r, i, n, c, b, k, lo, hi, j, b1, ok) {
  r = ""; n = length(s); i = 1
  while (i <= n) {
    c = substr(s, i, 1); b = ord[c]
    if (c == "\\"") { r = r "\\\\\\""; i++; continue }
    if (c == "\\\\") { r = r "\\\\\\\\"; i++; continue }
    if (b < 32 || b == 127) {
      if (b == 10) r = r "\\\\n"; else if (b == 9) r = r "\\\\t"; else if (b == 13) r = r "\\\\r"
      else r = r sprintf("\\\\u%04x", b)
      i++; continue
    }
    if (b < 128) { r = r c; i++; continue }
    k = 0; lo = 128; hi = 191
    if (b >= 194 && b <= 223) k = 1
    else if (b == 224) { k = 2; lo = 160 }
    else if ((b >= 225 && b <= 236) || b == 238 || b == 239) k = 2
    else if (b == 237) { k = 2; hi = 159 }
    else if (b == 240) { k = 3; lo = 144 }
    else if (b >= 241 && b <= 243) k = 3
    else if (b == 244) { k = 3; hi = 143 }
    ok = (k > 0 && i + k <= n)
    if (ok) { b1 = ord[substr(s, i + 1, 1)]; if (b1 < lo || b1 > hi) ok = 0 }
    for (j = 2; ok && j <= k; j++) { b1 = ord[substr(s, i + j, 1)]; if (b1 < 128 || b1 > 191) ok = 0 }
    if (ok) { r = r substr(s, i, k + 1); i += k + 1 }
    else { r = r sprintf("\\\\\\\\x%02x", b); i++ }
  }
  return r
}'

# emit CHECK SEVERITY STATUS TITLE DETAIL [ITEM]: prints one JSON line. COUNT (digits) and
# EVIDENCE_JSON (a JSON array built by list_names) are added when set, then cleared; MACHINE (the
# HOST line's machine id, 32 hex digits) when set.
emit() {
  case $3 in
    PASS | FAIL | INFO | ERROR) ;;
    # A check whose own commands failed (an awk that refused a program) has decided nothing.
    *) set -- "$1" "$2" ERROR "$4" "the check failed to run (no status): $5" \${6+"$6"} ;;
  esac
  # Only the checks of CHECK_IDS: the list fleet-check expects stays the list this script prints.
  case " $CHECK_IDS HOST END " in
    *" $1 "*) ;;
    *) set -- "$1" "$2" ERROR "$4" "not one of this script's CHECK_IDS: $5" \${6+"$6"} ;;
  esac
  AG_CHECK=$1 AG_SEVERITY=$2 AG_STATUS=$3 AG_TITLE=$4 AG_DETAIL=$5 AG_ITEM=\${6-} \\
    AG_HAS_ITEM=\${6+yes} AG_COUNT=\${COUNT-} AG_EVIDENCE=\${EVIDENCE_JSON-} AG_MACHINE=\${MACHINE-} \\
    awk "$AWK_ESC"'
    BEGIN {
      ord_table()
      line = "{\\"check\\":\\"" esc(ENVIRON["AG_CHECK"]) "\\",\\"title\\":\\"" esc(ENVIRON["AG_TITLE"]) "\\""
      line = line ",\\"severity\\":\\"" ENVIRON["AG_SEVERITY"] "\\",\\"status\\":\\"" ENVIRON["AG_STATUS"] "\\""
      line = line ",\\"detail\\":\\"" esc(ENVIRON["AG_DETAIL"]) "\\""
      if (ENVIRON["AG_HAS_ITEM"] == "yes") line = line ",\\"item\\":\\"" esc(ENVIRON["AG_ITEM"]) "\\""
      if (ENVIRON["AG_COUNT"] ~ /^[0-9]+$/) line = line ",\\"count\\":" (ENVIRON["AG_COUNT"] + 0)
      if (ENVIRON["AG_EVIDENCE"] != "") line = line ",\\"evidence\\":" ENVIRON["AG_EVIDENCE"]
      if (ENVIRON["AG_MACHINE"] ~ /^[0-9a-f]+$/ && length(ENVIRON["AG_MACHINE"]) == 32) line = line ",\\"machine\\":\\"" ENVIRON["AG_MACHINE"] "\\""
      print line "}"
    }' </dev/null
  COUNT=
  EVIDENCE_JSON=
  case $1 in HOST | END) ;; *) CHECKS=$((CHECKS + 1)) ;; esac
}

# Lines of text (one item each) as a JSON array of strings, at most MAX_EVIDENCE of them.
lines_json() {
  printf '%s\\n' "$1" | AG_MAX=$MAX_EVIDENCE awk "$AWK_ESC"'
    BEGIN { ord_table(); out = ""; n = 0 }
    $0 != "" && n < ENVIRON["AG_MAX"] + 0 { out = out (n++ ? "," : "") "\\"" esc($0) "\\"" }
    END { print "[" out "]" }'
}

# --- reading the host --------------------------------------------------------------------------

# A number setting: prints it when it is a non-negative number, else nothing.
number_setting() {
  case $1 in
    '' | *[!0-9.]* | *.*.* | .*) ;;
    *) printf '%s' "$1" ;;
  esac
}

# A whole-number setting: prints it when it is digits without a leading zero (or 0 itself), at
# most 6 of them (so sh arithmetic never overflows), else nothing.
whole_setting() {
  case $1 in
    0 | [1-9] | [1-9][0-9] | [1-9][0-9][0-9] | [1-9][0-9][0-9][0-9] | [1-9][0-9][0-9][0-9][0-9] | [1-9][0-9][0-9][0-9][0-9][0-9])
      printf '%s' "$1"
      ;;
  esac
}

# ASSETGUARD_FIND_TIMEOUT: empty when it is not a whole number of seconds above 0 (timeout 0
# would mean no timeout at all); the searches then say ERROR.
FIND_TIMEOUT=$(whole_setting "\${ASSETGUARD_FIND_TIMEOUT:-120}")
if [ "$FIND_TIMEOUT" = 0 ]; then FIND_TIMEOUT=; fi
MAX_EVIDENCE=$(whole_setting "\${ASSETGUARD_MAX_EVIDENCE:-20}")
SETTING_NOTE=
if [ -z "$MAX_EVIDENCE" ]; then
  MAX_EVIDENCE=20
  SETTING_NOTE="; ASSETGUARD_MAX_EVIDENCE is not a whole number, 20 used"
fi

# in_root PATH: sets IN_ROOT to where the file at PATH (absolute, as the checked host names it)
# is in the tree, every symbolic link on the way followed as the checked host would follow it:
# an absolute target starts again at the root of the tree and ".." stops there, so a link in a
# mounted image or a planted tree never leads to a file of the machine running the check.
# Returns 1 (IN_ROOT empty) when a link cannot be read or links loop. For the real root (R
# empty) the system follows links itself.
in_root() {
  IN_ROOT=
  if [ -z "$R" ]; then
    IN_ROOT=$1
    return 0
  fi
  ir_todo=$1
  ir_done=
  ir_hops=0
  while :; do
    while :; do
      case $ir_todo in /*) ir_todo=\${ir_todo#/} ;; *) break ;; esac
    done
    if [ -z "$ir_todo" ]; then break; fi
    ir_part=\${ir_todo%%/*}
    ir_todo=\${ir_todo#"$ir_part"}
    case $ir_part in
      .) continue ;;
      ..)
        ir_done=\${ir_done%/*}
        continue
        ;;
    esac
    if [ -L "$R$ir_done/$ir_part" ]; then
      ir_hops=$((ir_hops + 1))
      if [ "$ir_hops" -gt 40 ]; then return 1; fi
      ir_target=$(readlink -- "$R$ir_done/$ir_part" 2>/dev/null) || return 1
      if [ -z "$ir_target" ]; then return 1; fi
      case $ir_target in /*) ir_done= ;; esac
      ir_todo=$ir_target$ir_todo
    else
      ir_done=$ir_done/$ir_part
    fi
  done
  IN_ROOT=$R\${ir_done:-/}
}

# Why in_root failed, for a detail.
unfollowed() {
  printf 'cannot follow the symbolic links of %s within %s (a link that cannot be read, or links that loop)' "$1" "$ROOT"
}

# "uid gid mode" of a path (mode in octal, e.g. 0644), from ls -ln (POSIX, unlike stat -c), of
# the file a symbolic link points to (-L), as the programs that read the file see it.
file_facts() {
  # shellcheck disable=SC2012 # ls is read for the mode and numeric owner only, never for names
  ls -lndL -- "$1" 2>/dev/null | awk 'NR == 1 {
    p = substr($1, 2, 9); m = 0
    if (substr(p, 1, 1) == "r") m += 256; if (substr(p, 2, 1) == "w") m += 128
    c = substr(p, 3, 1); if (c == "x" || c == "s") m += 64; if (c == "s" || c == "S") m += 2048
    if (substr(p, 4, 1) == "r") m += 32; if (substr(p, 5, 1) == "w") m += 16
    c = substr(p, 6, 1); if (c == "x" || c == "s") m += 8; if (c == "s" || c == "S") m += 1024
    if (substr(p, 7, 1) == "r") m += 4; if (substr(p, 8, 1) == "w") m += 2
    c = substr(p, 9, 1); if (c == "x" || c == "t") m += 1; if (c == "t" || c == "T") m += 512
    printf "%s %s %04o\\n", $3, $4, m
  }'
}

group_name() {
  if in_root /etc/group; then
    awk -F: -v gid="$1" '$3 == gid { print $1; exit }' "$IN_ROOT" 2>/dev/null
  fi
}

# The system directories the file searches walk (U-06, U-13, U-15), those that exist here.
SYSTEM_DIRS=
for dir in /etc /bin /sbin /usr /lib /lib32 /lib64 /libx32 /boot /opt; do
  if [ -d "$R$dir" ] && [ ! -L "$R$dir" ]; then SYSTEM_DIRS="$SYSTEM_DIRS $dir"; fi
done

# list_names KIND ALLOW FIND-EXPRESSION...: runs find over SYSTEM_DIRS (one file system each,
# -xdev; bounded by FIND_TIMEOUT) and sets FOUND (how many names matched, ALLOW excepted),
# EVIDENCE_JSON (the first MAX_EVIDENCE of them, paths as on the host) and FIND_RC (0: every
# directory read; 124: timed out; other: some directory could not be read). Names travel NUL-
# terminated through od, so no byte of a file name (a newline included) can split or forge one.
# ALLOW: newline-separated base names (accepted outside /usr/local, /opt, /etc and /boot) or
# absolute paths.
list_names() {
  kind=$1
  allow=$2
  shift 2
  FOUND=0
  EVIDENCE_JSON=
  if [ -z "$FIND_TIMEOUT" ]; then
    FIND_RC=setting
    return
  fi
  runner=
  if command -v timeout >/dev/null 2>&1; then runner="timeout $FIND_TIMEOUT"; fi
  set -f
  dirs=
  for dir in $SYSTEM_DIRS; do dirs="$dirs $R$dir"; done
  # shellcheck disable=SC2086 # runner and dirs are split on purpose (set -f: no globbing)
  result=$(
    {
      $runner find $dirs -xdev "$@" -exec printf '%s\\0' {} + 2>/dev/null
      printf '\\0rc=%s\\0' "$?"
    } | od -An -v -tx1 | AG_STRIP=$R AG_ALLOW=$allow AG_MAX=$MAX_EVIDENCE AG_KIND=$kind awk "$AWK_ESC"'
      BEGIN {
        ord_table()
        for (i = 1; i < 256; i++) chr[sprintf("%02x", i)] = sprintf("%c", i)
        n = split(ENVIRON["AG_ALLOW"], list, "\\n")
        for (i = 1; i <= n; i++) if (list[i] != "") allowed[list[i]] = 1
        strip = ENVIRON["AG_STRIP"]; max = ENVIRON["AG_MAX"] + 0
        name = ""; found = 0; out = ""; rc = ""; marker = 0
      }
      function done_name(   path, base) {
        if (name == "") { marker = 1; return }
        if (marker) { rc = substr(name, 4); name = ""; return }
        path = name; name = ""
        if (strip != "" && substr(path, 1, length(strip)) == strip) path = substr(path, length(strip) + 1)
        base = path; sub(/.*\\//, "", base)
        if (path in allowed) return
        if ((base in allowed) && path !~ /^\\/(usr\\/local|opt|etc|boot)\\//) return
        if (found < max) out = out (found ? "," : "") "\\"" esc(path) "\\""
        found++
      }
      { for (f = 1; f <= NF; f++) if ($f == "00") done_name(); else name = name chr[$f] }
      END { printf "%s %d [%s]\\n", (rc == "" ? 1 : rc), found, out }'
  )
  set +f
  FIND_RC=\${result%% *}
  result=\${result#* }
  FOUND=\${result%% *}
  EVIDENCE_JSON=\${result#* }
}

# Process states and names from PROC/<pid>/stat: lines "STATE<TAB>NAME". The name sits between
# the first "(" and the last ")", and may itself hold spaces and parentheses (tabs and line
# breaks in it become spaces). PROCESSES_PROBLEM says why that list is not every process, and is
# empty when it is: a stat that exists but could not be read (another user's process under
# hidepid=1), /proc mounted with hidepid for a user other than root (other users' processes are
# then not even listed), or no process at all. A process that ended while the list was read is
# not a problem. The checks that read processes say ERROR rather than PASS when it is set.
USER_ID=$(id -u 2>/dev/null)
PROCESSES=
PROCESSES_PROBLEM=
if [ ! -d "$PROC" ]; then
  PROCESSES_PROBLEM="cannot read the processes: no $PROC"
else
  # awk reads each stat with getline, which returns -1 for a file it cannot open instead of
  # stopping, and prints "?<TAB>directory" for it.
  read_stats=$(awk 'BEGIN {
    for (a = 1; a < ARGC; a++) {
      file = ARGV[a] "/stat"; text = ""; lines = 0
      while ((got = (getline line < file)) > 0) text = text (lines++ ? " " : "") line
      close(file)
      first = index(text, "("); last = 0
      for (i = length(text); i > first; i--) if (substr(text, i, 1) == ")") { last = i; break }
      if (lines == 0 || first == 0 || last == 0) { print "?\\t" ARGV[a]; continue }
      name = substr(text, first + 1, last - first - 1); gsub(/\\t/, " ", name)
      print substr(text, last + 2, 1) "\\t" name
    }
  }' "$PROC"/[0-9]*)
  PROCESSES=$(printf '%s\\n' "$read_stats" | awk -F '\\t' '$1 != "?" && $1 != ""')
  unread=$(printf '%s\\n' "$read_stats" | awk -F '\\t' '$1 == "?" { print $2 }')
  unreadable=0
  IFS='
'
  set -f
  for dir in $unread; do
    # Gone: the process ended after the list was made. Still there: it could not be read.
    if [ -e "$dir" ]; then unreadable=$((unreadable + 1)); fi
  done
  IFS=$DEFAULT_IFS
  set +f
  # hidepid (1/noaccess, 2/invisible, 4/ptraceable) hides other users' processes from a user who
  # is not root and not in the mount's gid= group; with 2 and 4 their directories are not even
  # listed, so only the mount options tell.
  hidden=
  if [ "$USER_ID" != 0 ]; then
    hidden=$(AG_MOUNT="\${PROC#"$R"}" AG_GROUPS=" $(id -G 2>/dev/null) " awk '
      $3 == "proc" && $2 == ENVIRON["AG_MOUNT"] {
        n = split($4, options, ","); hide = ""; gid = ""
        for (i = 1; i <= n; i++) {
          if (options[i] ~ /^hidepid=/) hide = substr(options[i], 9)
          if (options[i] ~ /^gid=/) gid = substr(options[i], 5)
        }
        if (hide != "" && hide != "0" && hide != "off" && !(gid != "" && index(ENVIRON["AG_GROUPS"], " " gid " "))) print hide
      }' "$PROC/mounts" 2>/dev/null | tail -n 1)
  fi
  if [ -n "$hidden" ]; then
    PROCESSES_PROBLEM="$PROC is mounted with hidepid=$hidden: other users' processes are hidden from uid $USER_ID (run as root)"
  elif [ "$unreadable" -gt 0 ]; then
    PROCESSES_PROBLEM="$unreadable process(es) in $PROC could not be read (run as root)"
  elif [ -z "$PROCESSES" ]; then
    PROCESSES_PROBLEM="cannot read the processes from $PROC"
  fi
fi

# Which of the names (newline-separated) run as processes, one per line.
running() {
  printf '%s\\n' "$PROCESSES" | AG_NAMES=$1 awk -F '\\t' '
    BEGIN { n = split(ENVIRON["AG_NAMES"], list, "\\n"); for (i = 1; i <= n; i++) if (list[i] != "") want[list[i]] = 1 }
    ($2 in want) && !seen[$2]++ { print $2 }'
}

# --- HOST --------------------------------------------------------------------------------------

HOSTNAME_SEEN=$(cat "$PROC/sys/kernel/hostname" 2>/dev/null || uname -n 2>/dev/null)
OS_NAME=
if in_root /etc/os-release; then
  OS_NAME=$(awk -F= '$1 == "PRETTY_NAME" { v = $2; gsub(/^"|"$/, "", v); print v; exit }' "$IN_ROOT" 2>/dev/null)
fi
# The machine id (systemd's /etc/machine-id, 32 hex digits) names this host apart from others
# of the same host name; emit leaves it out when there is none.
MACHINE=
if in_root /etc/machine-id; then
  MACHINE=$(head -n 1 "$IN_ROOT" 2>/dev/null)
fi
if [ "$USER_ID" = 0 ]; then AS=root; else AS="uid \${USER_ID:-unknown}, not root: some checks cannot read what they need"; fi
TREE=
if [ -n "$R" ]; then TREE=", checking the tree $ROOT"; fi
if [ -n "\${ASSETGUARD_PROC:-}" ]; then TREE="$TREE, processes from $PROC"; fi
emit HOST INFORMATIONAL INFO "assetguard host check" "script $SCRIPT_VERSION on \${OS_NAME:-an unknown OS} ($(uname -sr 2>/dev/null)), as $AS$TREE$SETTING_NOTE" "$HOSTNAME_SEEN"
MACHINE=

# --- U-01 root remote login over SSH -----------------------------------------------------------

# The sshd configuration as sshd reads it: Include directives replaced by the files they name
# (relative patterns are relative to /etc/ssh, as sshd resolves them), at most 8 levels deep.
# $1 is the file in the tree, $2 the depth. An included file that exists but cannot be read (or
# whose links cannot be followed) becomes a line "<SOH>unreadable <path>": what it says might
# come first, so check_root_login cannot decide past it.
sshd_flatten() (
  [ "$2" -gt 8 ] && exit 0
  while IFS= read -r line || [ -n "$line" ]; do
    trimmed=\${line#"\${line%%[![:space:]]*}"}
    case $trimmed in
      [Ii][Nn][Cc][Ll][Uu][Dd][Ee][[:space:]=]*)
        patterns=\${trimmed#???????}
        patterns=\${patterns#"\${patterns%%[![:space:]=]*}"}
        set -f
        for pattern in $patterns; do
          case $pattern in /*) ;; *) pattern=/etc/ssh/$pattern ;; esac
          # The directory part, when it has no wildcard, is followed within the tree first.
          glob=$R$pattern
          case \${pattern%/*} in
            *[*?[]*) ;;
            *) if in_root "\${pattern%/*}"; then glob=\${IN_ROOT%/}/\${pattern##*/}; fi ;;
          esac
          set +f
          for file in $glob; do
            if [ ! -e "$file" ] && [ ! -L "$file" ]; then continue; fi
            if in_root "\${file#"$R"}" && [ -f "$IN_ROOT" ] && [ -r "$IN_ROOT" ]; then
              sshd_flatten "$IN_ROOT" $(($2 + 1))
            elif [ ! -d "$IN_ROOT" ]; then
              printf '\\001unreadable %s\\n' "\${file#"$R"}"
            fi
          done
          set -f
        done
        set +f
        ;;
      *) printf '%s\\n' "$line" ;;
    esac
  done <"$1"
)

check_root_login() {
  title="root cannot log in remotely over SSH"
  if ! in_root /etc/ssh/sshd_config; then
    emit U-01 HIGH ERROR "$title" "$(unfollowed /etc/ssh/sshd_config)"
    return
  fi
  config=$IN_ROOT
  if [ ! -e "$config" ]; then
    emit U-01 HIGH INFO "$title" "no /etc/ssh/sshd_config: the OpenSSH server is not installed"
    return
  fi
  if [ ! -r "$config" ]; then
    emit U-01 HIGH ERROR "$title" "cannot read /etc/ssh/sshd_config (run as root)"
    return
  fi
  # The first value wins in sshd_config; settings after the first Match apply only to matching
  # connections, so they are not the global value.
  value=$(sshd_flatten "$config" 0 | awk '
    substr($0, 1, 1) == "\\001" { print "?" substr($0, 13); exit }
    { sub(/^[ \\t]+/, "") }
    /^#/ || $0 == "" { next }
    { split($0, w, /[ \\t=]+/); key = tolower(w[1]) }
    key == "match" { exit }
    key == "permitrootlogin" { print tolower(w[2]); exit }')
  case $value in
    no) emit U-01 HIGH PASS "$title" "PermitRootLogin no" ;;
    yes) emit U-01 HIGH FAIL "$title" "PermitRootLogin yes: root may log in over SSH, with a password too; set PermitRootLogin no" ;;
    prohibit-password | without-password | forced-commands-only)
      emit U-01 HIGH FAIL "$title" "PermitRootLogin $value: root may still log in over SSH with a key; KISA U-01 asks for PermitRootLogin no"
      ;;
    '?'*) emit U-01 HIGH ERROR "$title" "cannot read \${value#?}, which sshd_config includes before any PermitRootLogin (run as root)" ;;
    '') emit U-01 HIGH FAIL "$title" "PermitRootLogin is not set: the OpenSSH default (prohibit-password) lets root log in with a key; set PermitRootLogin no" ;;
    *) emit U-01 HIGH ERROR "$title" "PermitRootLogin has a value sshd does not know: $value" ;;
  esac
}

# --- U-02 password complexity, U-03 account lockout ----------------------------------------------

# The PAM stack files that hold the password and auth rules on Debian/Ubuntu and RHEL/Amazon
# Linux, those that exist, as paths in the tree (links followed within it). A file whose links
# cannot be followed is listed as the link itself, so the readability check that follows names it.
pam_files() {
  for name in "$@"; do
    if in_root "/etc/pam.d/$name"; then
      if [ -f "$IN_ROOT" ]; then printf '%s\\n' "$IN_ROOT"; fi
    else
      printf '%s\\n' "$R/etc/pam.d/$name"
    fi
  done
}

# The configuration files at host path $1 and in the directory $2 (*.conf), those that exist,
# as paths in the tree; "?<path>" for one whose links cannot be followed.
conf_files() {
  if in_root "$1"; then
    if [ -e "$IN_ROOT" ]; then printf '%s\\n' "$IN_ROOT"; fi
  else
    printf '?%s\\n' "$1"
  fi
  if in_root "$2"; then
    for conf in "\${IN_ROOT%/}"/*.conf; do
      if [ ! -e "$conf" ] && [ ! -L "$conf" ]; then continue; fi
      if in_root "$2/\${conf##*/}"; then printf '%s\\n' "$IN_ROOT"; else printf '?%s\\n' "$2/\${conf##*/}"; fi
    done
  else
    printf '?%s\\n' "$2"
  fi
}

# The first of the files (one per line, as conf_files prints them) that cannot be read, as the
# host names it; nothing when every one can.
unreadable_file() {
  printf '%s\\n' "$1" | while IFS= read -r file; do
    case $file in
      '') ;;
      '?'*)
        printf '%s' "\${file#?}"
        break
        ;;
      *)
        if [ ! -r "$file" ] || [ -d "$file" ]; then
          printf '%s' "\${file#"$R"}"
          break
        fi
        ;;
    esac
  done
}

# Arguments of the first uncommented PAM line of TYPE using one of the MODULES (a regex), in
# the FILES; "missing" when there is none.
pam_module_args() {
  type=$1
  modules=$2
  shift 2
  awk -v type="$type" -v modules="$modules" '
    { sub(/^[ \\t]+/, "") }
    /^#/ || $0 == "" { next }
    $1 == type || $1 == "-" type {
      line = $0
      gsub(/\\[[^]]*\\]/, "x", line)
      n = split(line, w, /[ \\t]+/)
      for (i = 3; i <= n; i++) if (w[i] ~ ("(^|/)(" modules ")\\\\.so$")) {
        match(w[i], /[^\\/]+\\.so$/); args = substr(w[i], RSTART, RLENGTH - 3)
        for (j = i + 1; j <= n; j++) args = args " " w[j]
        print args; found = 1; exit
      }
    }
    END { if (!found) print "missing" }' "$@" 2>/dev/null
}

check_password_complexity() {
  title="passwords must be long and mix character classes"
  minimum=$(whole_setting "\${ASSETGUARD_PASSWORD_MINLEN:-8}")
  if [ -z "$minimum" ]; then
    emit U-02 HIGH ERROR "$title" "ASSETGUARD_PASSWORD_MINLEN is not a whole number: \${ASSETGUARD_PASSWORD_MINLEN}"
    return
  fi
  if ! in_root /etc/pam.d; then
    emit U-02 HIGH ERROR "$title" "$(unfollowed /etc/pam.d)"
    return
  fi
  if [ ! -d "$IN_ROOT" ]; then
    emit U-02 HIGH INFO "$title" "no /etc/pam.d: this host does not use PAM, so the check does not apply"
    return
  fi
  files=$(pam_files common-password system-auth password-auth)
  if [ -z "$files" ]; then
    emit U-02 HIGH ERROR "$title" "no PAM password stack (common-password, system-auth or password-auth) in /etc/pam.d"
    return
  fi
  for file in $files; do
    if [ ! -r "$file" ]; then
      emit U-02 HIGH ERROR "$title" "cannot read \${file#"$R"} (run as root)"
      return
    fi
  done
  # shellcheck disable=SC2086 # one path per word
  args=$(pam_module_args password 'pam_pwquality|pam_cracklib' $files)
  if [ "$args" = missing ]; then
    login_defs=
    if in_root /etc/login.defs; then login_defs=$(awk '$1 == "PASS_MIN_LEN" { print $2 }' "$IN_ROOT" 2>/dev/null); fi
    emit U-02 HIGH FAIL "$title" "no pam_pwquality or pam_cracklib in the PAM password stack: nothing enforces length or character classes\${login_defs:+ (PASS_MIN_LEN $login_defs in login.defs is not enforced by PAM)}"
    return
  fi
  # Settings: pwquality.conf, then its .d files, then the module's own arguments (which win).
  # One that cannot be read might set anything: no verdict without it.
  confs=$(conf_files /etc/security/pwquality.conf /etc/security/pwquality.conf.d)
  unreadable=$(unreadable_file "$confs")
  if [ -n "$unreadable" ]; then
    emit U-02 HIGH ERROR "$title" "cannot read $unreadable (run as root)"
    return
  fi
  settings=$(
    printf '%s\\n' "$confs" | while IFS= read -r conf; do
      if [ -n "$conf" ]; then sed -e 's/#.*//' -e 's/[[:space:]]*=[[:space:]]*/=/' "$conf"; fi
    done
    printf '%s\\n' "$args" | tr ' ' '\\n'
  )
  verdict=$(printf '%s\\n' "$settings" | awk -F= -v minimum="$minimum" '
    { gsub(/[ \\t]/, "") }
    $1 ~ /^(minlen|minclass|dcredit|ucredit|lcredit|ocredit)$/ && $2 ~ /^-?[0-9]+$/ { v[$1] = $2 + 0 }
    END {
      minlen = ("minlen" in v) ? v["minlen"] : 8
      classes = ("minclass" in v) ? v["minclass"] : 0
      required = 0
      if (v["dcredit"] < 0) required++; if (v["ucredit"] < 0) required++
      if (v["lcredit"] < 0) required++; if (v["ocredit"] < 0) required++
      if (required > classes) classes = required
      ok = (classes >= 3 && minlen >= minimum) || (classes >= 2 && minlen >= minimum + 2)
      printf "%s minlen %d, %d character classes required (minclass %d, negative credits %d)\\n", (ok ? "PASS" : "FAIL"), minlen, classes, v["minclass"], required
    }')
  status=\${verdict%% *}
  emit U-02 HIGH "$status" "$title" "\${args%% *}: \${verdict#* }; KISA asks for 3 classes and $minimum or more characters (or 2 classes and $((minimum + 2)))"
}

check_account_lockout() {
  title="accounts lock after repeated failed logins"
  most=$(whole_setting "\${ASSETGUARD_LOCKOUT_MAX:-10}")
  if [ -z "$most" ]; then
    emit U-03 HIGH ERROR "$title" "ASSETGUARD_LOCKOUT_MAX is not a whole number: \${ASSETGUARD_LOCKOUT_MAX}"
    return
  fi
  if ! in_root /etc/pam.d; then
    emit U-03 HIGH ERROR "$title" "$(unfollowed /etc/pam.d)"
    return
  fi
  if [ ! -d "$IN_ROOT" ]; then
    emit U-03 HIGH INFO "$title" "no /etc/pam.d: this host does not use PAM, so the check does not apply"
    return
  fi
  files=$(pam_files common-auth system-auth password-auth)
  if [ -z "$files" ]; then
    emit U-03 HIGH ERROR "$title" "no PAM auth stack (common-auth, system-auth or password-auth) in /etc/pam.d"
    return
  fi
  for file in $files; do
    if [ ! -r "$file" ]; then
      emit U-03 HIGH ERROR "$title" "cannot read \${file#"$R"} (run as root)"
      return
    fi
  done
  # shellcheck disable=SC2086 # one path per word
  args=$(pam_module_args auth 'pam_faillock|pam_tally2|pam_tally' $files)
  if [ "$args" = missing ]; then
    emit U-03 HIGH FAIL "$title" "no pam_faillock or pam_tally2 in the PAM auth stack: failed logins never lock an account"
    return
  fi
  module=\${args%% *}
  deny=$(printf '%s\\n' "$args" | tr ' ' '\\n' | awk -F= '$1 == "deny" { print $2 }' | tail -n 1)
  if [ -z "$deny" ] && [ "$module" = pam_faillock ]; then
    # faillock.conf sets deny when the module's arguments do not: one that cannot be read
    # might set anything.
    if ! in_root /etc/security/faillock.conf; then
      emit U-03 HIGH ERROR "$title" "$(unfollowed /etc/security/faillock.conf)"
      return
    fi
    if [ -e "$IN_ROOT" ] && [ ! -r "$IN_ROOT" ]; then
      emit U-03 HIGH ERROR "$title" "cannot read /etc/security/faillock.conf (run as root)"
      return
    fi
    deny=$(sed -e 's/#.*//' "$IN_ROOT" 2>/dev/null | awk -F= '{ gsub(/[ \\t]/, "") } $1 == "deny" { print $2 }' | tail -n 1)
    # pam_faillock locks after 3 failures when deny is not set.
    deny=\${deny:-3}
  fi
  case $deny in
    '' | *[!0-9]*) emit U-03 HIGH FAIL "$title" "$module has no deny= setting: failed logins never lock an account" ;;
    *)
      if [ "$deny" -ge 1 ] && [ "$deny" -le "$most" ]; then
        emit U-03 HIGH PASS "$title" "$module locks an account after $deny failed logins"
      else
        emit U-03 HIGH FAIL "$title" "$module deny=$deny: KISA asks for a lockout after at most $most failed logins"
      fi
      ;;
  esac
}

# --- U-04 password file protection, U-44 UID 0 -------------------------------------------------

check_password_files() {
  title="password hashes only in /etc/shadow, and no empty passwords"
  for file in /etc/passwd /etc/shadow; do
    if ! in_root "$file"; then
      emit U-04 HIGH ERROR "$title" "$(unfollowed "$file")"
      return
    fi
  done
  in_root /etc/passwd
  passwd=$IN_ROOT
  in_root /etc/shadow
  shadow=$IN_ROOT
  if [ ! -r "$passwd" ]; then
    emit U-04 HIGH ERROR "$title" "cannot read /etc/passwd"
    return
  fi
  in_passwd=$(awk -F: '$2 != "x" && $2 != "*" && $2 !~ /^!/ { print $1 }' "$passwd")
  problems=
  if [ -n "$in_passwd" ]; then
    problems="a password or an empty password field in /etc/passwd for: $(printf '%s' "$in_passwd" | tr '\\n' ' ')"
  fi
  shadow_note=
  empty=
  if [ ! -e "$shadow" ]; then
    problems="\${problems:+$problems; }no /etc/shadow"
  elif [ -r "$shadow" ]; then
    empty=$(awk -F: 'NF > 1 && $2 == "" { print $1 }' "$shadow")
    if [ -n "$empty" ]; then
      problems="\${problems:+$problems; }empty password in /etc/shadow (login without a password) for: $(printf '%s' "$empty" | tr '\\n' ' ')"
    fi
  else
    shadow_note="cannot read /etc/shadow (run as root)"
  fi
  if [ -n "$problems" ]; then
    COUNT=$(printf '%s\\n%s\\n' "$in_passwd" "\${empty-}" | grep -c .)
    emit U-04 HIGH FAIL "$title" "$problems"
  elif [ -n "$shadow_note" ]; then
    emit U-04 HIGH ERROR "$title" "$shadow_note"
  else
    emit U-04 HIGH PASS "$title" "every account's password field in /etc/passwd is x, and none is empty in /etc/shadow"
  fi
}

check_uid_zero() {
  title="no account but root has UID 0"
  if ! in_root /etc/passwd; then
    emit U-44 HIGH ERROR "$title" "$(unfollowed /etc/passwd)"
    return
  fi
  if [ ! -r "$IN_ROOT" ]; then
    emit U-44 HIGH ERROR "$title" "cannot read /etc/passwd"
    return
  fi
  others=$(awk -F: '$3 == "0" && $1 != "root" { print $1 }' "$IN_ROOT")
  if [ -n "$others" ]; then
    COUNT=$(printf '%s\\n' "$others" | grep -c .)
    EVIDENCE_JSON=$(lines_json "$others")
    emit U-44 HIGH FAIL "$title" "accounts with UID 0 besides root: $(printf '%s' "$others" | tr '\\n' ' ')"
  else
    emit U-44 HIGH PASS "$title" "only root has UID 0"
  fi
}

# --- U-07, U-08 owner and mode of /etc/passwd and /etc/shadow ----------------------------------

# Both follow symbolic links (to the file every program reads, as U-04 does): a link's own mode
# is always 0777 and says nothing.

check_passwd_mode() {
  title="/etc/passwd is owned by root, mode 644 or stricter"
  if ! in_root /etc/passwd; then
    emit U-07 HIGH ERROR "$title" "$(unfollowed /etc/passwd)"
    return
  fi
  facts=$(file_facts "$IN_ROOT")
  if [ -z "$facts" ]; then
    emit U-07 HIGH ERROR "$title" "cannot read the owner and mode of /etc/passwd"
    return
  fi
  # shellcheck disable=SC2086 # three words: uid gid mode
  set -- $facts
  if [ "$1" = 0 ] && [ $(($3 & 07133)) -eq 0 ]; then
    emit U-07 HIGH PASS "$title" "owner uid 0, mode $3"
  else
    emit U-07 HIGH FAIL "$title" "owner uid $1, mode $3: KISA asks for owner root and mode 644 or stricter"
  fi
}

check_shadow_mode() {
  title="/etc/shadow is owned by root, mode 400 (640 with group shadow) or stricter"
  if ! in_root /etc/shadow; then
    emit U-08 HIGH ERROR "$title" "$(unfollowed /etc/shadow)"
    return
  fi
  facts=$(file_facts "$IN_ROOT")
  if [ -z "$facts" ]; then
    emit U-08 HIGH ERROR "$title" "cannot read the owner and mode of /etc/shadow"
    return
  fi
  # shellcheck disable=SC2086 # three words: uid gid mode
  set -- $facts
  group=$(group_name "$2")
  # KISA's guide asks for 400 (RHEL and Amazon Linux ship 000). Debian and Ubuntu ship 640
  # root:shadow (unix_chkpwd reads it through that group): accepted with that group only.
  allowed=0400
  if [ "$group" = shadow ]; then allowed=0640; fi
  if [ "$1" = 0 ] && [ $(($3 & ~allowed)) -eq 0 ]; then
    emit U-08 HIGH PASS "$title" "owner uid 0, group \${group:-$2}, mode $3"
  else
    emit U-08 HIGH FAIL "$title" "owner uid $1, group \${group:-$2}, mode $3: KISA asks for owner root and mode 400 (at most $allowed here)"
  fi
}

# --- U-06, U-13, U-15 file searches ------------------------------------------------------------

# Say what a search found, or that it could not decide.
report_search() {
  check=$1
  severity=$2
  title=$3
  what=$4
  if [ -z "$SYSTEM_DIRS" ]; then
    emit "$check" "$severity" ERROR "$title" "none of the system directories exists under $ROOT"
    return
  fi
  if [ "$FIND_RC" = setting ]; then
    emit "$check" "$severity" ERROR "$title" "ASSETGUARD_FIND_TIMEOUT is not a whole number of seconds above 0: \${ASSETGUARD_FIND_TIMEOUT-}"
    return
  fi
  incomplete=
  case $FIND_RC in
    0) ;;
    124) incomplete="the search stopped after \${FIND_TIMEOUT}s (ASSETGUARD_FIND_TIMEOUT)" ;;
    *) incomplete="some directories could not be read (run as root)" ;;
  esac
  COUNT=$FOUND
  if [ "$FOUND" -gt 0 ]; then
    emit "$check" "$severity" FAIL "$title" "$FOUND $what in$SYSTEM_DIRS\${incomplete:+; and $incomplete}"
  elif [ -n "$incomplete" ]; then
    EVIDENCE_JSON=
    emit "$check" "$severity" ERROR "$title" "none found so far, but $incomplete"
  else
    EVIDENCE_JSON=
    emit "$check" "$severity" PASS "$title" "no $what in$SYSTEM_DIRS"
  fi
}

check_unowned_files() {
  list_names nouser '' '(' -nouser -o -nogroup ')'
  report_search U-06 HIGH "every file in system directories has an owner and a group" "file(s) whose owner or group does not exist"
}

# SUID/SGID programs a Linux distribution ships and needs (accepted by name outside /usr/local,
# /opt, /etc and /boot). Anything else with the bit set is reported.
SUID_ALLOWED='at
chage
chfn
chsh
crontab
dbus-daemon-launch-helper
expiry
fusermount
fusermount3
gpasswd
ksu
locate
mlocate
mount
mount.cifs
mount.nfs
newgidmap
newgrp
newuidmap
ntfs-3g
pam_timestamp_check
passwd
ping
ping6
pkexec
plocate
polkit-agent-helper-1
pt_chown
sg
snap-confine
ssh-agent
ssh-keysign
staprun
su
sudo
sudoedit
umount
unix_chkpwd
userhelper
usernetctl
utempter
wall
write
write.ul
Xorg.wrap'

check_suid_files() {
  extra=$(printf '%s\\n' "\${ASSETGUARD_SUID_ALLOW:-}" | tr ' ' '\\n')
  list_names suid "$SUID_ALLOWED
$extra" -type f '(' -perm -4000 -o -perm -2000 ')'
  report_search U-13 HIGH "no unexpected SUID or SGID programs" "unexpected SUID/SGID file(s)"
}

check_world_writable() {
  list_names writable '' -type f -perm -0002
  report_search U-15 HIGH "no world-writable files in system directories" "world-writable file(s)"
}

# --- U-19, U-21, U-29, U-60 services that should not run ---------------------------------------

# service_in_use CHECK SEVERITY TITLE PROCESSES UNITS INETD-NAMES: FAIL when one of the processes
# runs, one of the systemd units is enabled, or an inetd/xinetd entry is on; PASS only when the
# processes, the units and the inetd/xinetd files could all be read.
service_in_use() {
  check=$1
  severity=$2
  title=$3
  processes=$4
  units=$5
  names=$6
  found=
  unread=
  for name in $(running "$processes"); do found="$found; process $name running"; done
  if [ -n "$PROCESSES_PROBLEM" ]; then unread="$unread; $PROCESSES_PROBLEM"; fi
  if in_root /etc/systemd/system; then
    systemd=\${IN_ROOT%/}
    for wants in "$systemd"/*.wants; do
      if [ -d "$wants" ] && { [ ! -r "$wants" ] || [ ! -x "$wants" ]; }; then
        unread="$unread; cannot list \${wants#"$R"}"
      fi
    done
    for unit in $units; do
      for link in "$systemd"/*.wants/"$unit"; do
        if [ -e "$link" ] || [ -L "$link" ]; then
          found="$found; unit $unit enabled"
          break
        fi
      done
    done
  else
    unread="$unread; $(unfollowed /etc/systemd/system)"
  fi
  inetd=
  if ! in_root /etc/inetd.conf; then
    unread="$unread; $(unfollowed /etc/inetd.conf)"
  elif [ -e "$IN_ROOT" ]; then
    if [ -f "$IN_ROOT" ] && [ -r "$IN_ROOT" ]; then inetd=$IN_ROOT; else unread="$unread; cannot read /etc/inetd.conf"; fi
  fi
  for name in $names; do
    if [ -n "$inetd" ] && grep -Eq "^[[:space:]]*\${name}[[:space:]]" "$inetd"; then
      found="$found; inetd.conf $name on"
    fi
    if ! in_root "/etc/xinetd.d/$name"; then
      unread="$unread; $(unfollowed "/etc/xinetd.d/$name")"
    elif [ -e "$IN_ROOT" ]; then
      if [ ! -f "$IN_ROOT" ] || [ ! -r "$IN_ROOT" ]; then
        unread="$unread; cannot read /etc/xinetd.d/$name"
      elif ! grep -Eiq '^[[:space:]]*disable[[:space:]]*=[[:space:]]*yes' "$IN_ROOT"; then
        found="$found; xinetd $name on"
      fi
    fi
  done
  if [ -n "$found" ]; then
    emit "$check" "$severity" FAIL "$title" "\${found#; }"
  elif [ -z "$unread" ]; then
    emit "$check" "$severity" PASS "$title" "not running, not enabled in systemd, inetd or xinetd"
  else
    emit "$check" "$severity" ERROR "$title" "not found running or enabled, but not everything could be read: \${unread#; }"
  fi
}

check_services() {
  service_in_use U-19 HIGH "the finger service is off" \\
    'fingerd
in.fingerd
cfingerd
efingerd' 'finger.socket cfingerd.service' 'finger'
  service_in_use U-21 HIGH "r services (rsh, rlogin, rexec) are off" \\
    'rshd
in.rshd
rlogind
in.rlogind
rexecd
in.rexecd' 'rsh.socket rlogin.socket rexec.socket' 'rsh rlogin rexec shell login exec'
  service_in_use U-29 HIGH "tftp and talk are off" \\
    'tftpd
in.tftpd
talkd
in.talkd
in.ntalkd' 'tftp.socket tftp.service tftpd-hpa.service talk.socket ntalk.socket' 'tftp talk ntalk'
  service_in_use U-60 MEDIUM "telnet is off (remote logins use SSH)" \\
    'telnetd
in.telnetd' 'telnet.socket telnetd.socket' 'telnet'
}

# --- resources ---------------------------------------------------------------------------------

check_cpu() {
  title="CPU load is within bounds"
  most=$(number_setting "\${ASSETGUARD_CPU_LOAD_MAX:-1.5}")
  if [ -z "$most" ]; then
    emit RES-CPU MEDIUM ERROR "$title" "ASSETGUARD_CPU_LOAD_MAX is not a number: \${ASSETGUARD_CPU_LOAD_MAX}"
    return
  fi
  load=$(awk '{ print $2; exit }' "$PROC/loadavg" 2>/dev/null)
  cpus=$(grep -c '^cpu[0-9]' "$PROC/stat" 2>/dev/null)
  case $load in '' | *[!0-9.]*) load= ;; esac
  if [ -z "$load" ] || [ -z "$cpus" ] || [ "$cpus" -eq 0 ]; then
    emit RES-CPU MEDIUM ERROR "$title" "cannot read the load average and CPU count from $PROC"
    return
  fi
  result=$(awk -v average="$load" -v cpus="$cpus" -v most="$most" 'BEGIN {
    per = average / cpus; printf "%s %.2f\\n", (per > most ? "FAIL" : "PASS"), per }')
  emit RES-CPU MEDIUM "\${result%% *}" "$title" "5-minute load average $load on $cpus CPU(s): \${result#* } per CPU (at most $most)"
}

check_memory() {
  title="memory use is within bounds"
  most=$(number_setting "\${ASSETGUARD_MEM_MAX_PCT:-90}")
  if [ -z "$most" ]; then
    emit RES-MEM MEDIUM ERROR "$title" "ASSETGUARD_MEM_MAX_PCT is not a number: \${ASSETGUARD_MEM_MAX_PCT}"
    return
  fi
  result=$(awk -v most="$most" '
    { v[$1] = $2 }
    END {
      total = v["MemTotal:"]
      avail = ("MemAvailable:" in v) ? v["MemAvailable:"] : v["MemFree:"] + v["Buffers:"] + v["Cached:"]
      if (total <= 0) exit 1
      used = 100 * (total - avail) / total
      printf "%s %.1f %d %d\\n", (used > most ? "FAIL" : "PASS"), used, (total - avail) / 1024, total / 1024
    }' "$PROC/meminfo" 2>/dev/null)
  if [ -z "$result" ]; then
    emit RES-MEM MEDIUM ERROR "$title" "cannot read $PROC/meminfo"
    return
  fi
  # shellcheck disable=SC2086 # four words: status, percent, used and total MiB
  set -- $result
  emit RES-MEM MEDIUM "$1" "$title" "$2% used ($3 of $4 MiB; at most $most%)"
}

check_disks() {
  most=$(whole_setting "\${ASSETGUARD_DISK_MAX_PCT:-90}")
  if [ -z "$most" ]; then
    emit RES-DISK MEDIUM ERROR "disk use is within bounds" "ASSETGUARD_DISK_MAX_PCT is not a whole number: \${ASSETGUARD_DISK_MAX_PCT}" ""
    return
  fi
  # Local disk file systems only: network file systems can hang df, and pseudo, snap (squashfs)
  # and tmpfs mounts are not disks that fill up with data.
  types=\${ASSETGUARD_DISK_FSTYPES:-ext2 ext3 ext4 xfs btrfs zfs vfat exfat f2fs jfs reiserfs ntfs ntfs3 overlay}
  if [ ! -r "$PROC/mounts" ]; then
    emit RES-DISK MEDIUM ERROR "disk use is within bounds" "cannot read $PROC/mounts" ""
    return
  fi
  mounts=$(awk -v types=" $types " 'index(types, " " $3 " ") && !seen[$2]++ { print $2 }' "$PROC/mounts")
  if [ -z "$mounts" ]; then
    emit RES-DISK MEDIUM INFO "disk use is within bounds" "no mounted file system of a checked type ($types)" ""
    return
  fi
  # One mount point per line (a for loop, not a pipeline, so the lines count towards END).
  checked=0
  IFS='
'
  set -f
  for escaped in $mounts; do
    IFS=$DEFAULT_IFS
    set +f
    # /proc/mounts writes spaces, tabs, newlines and backslashes in paths as octal escapes.
    mount=$(printf '%b' "$(printf '%s' "$escaped" | sed 's/\\\\\\([0-7][0-7][0-7]\\)/\\\\0\\1/g')")
    path=$R$mount
    title="disk use of $mount is within bounds"
    checked=$((checked + 1))
    if [ ! -e "$path" ]; then
      # Listed as mounted but not reachable here (a directory this user cannot enter).
      emit RES-DISK MEDIUM ERROR "$title" "cannot reach the mount point $mount (run as root)" "$mount"
      continue
    fi
    # A file bind-mounted from a disk (a container's /etc/hosts) is not a disk of its own.
    if [ ! -d "$path" ]; then
      checked=$((checked - 1))
      continue
    fi
    blocks=$(df -P -k -- "$path" 2>/dev/null | awk 'NR == 2 { sub(/%$/, "", $5); print $5 }')
    inodes=$(df -P -i -- "$path" 2>/dev/null | awk 'NR == 2 { sub(/%$/, "", $5); print $5 }')
    case $blocks in '' | *[!0-9]*)
      emit RES-DISK MEDIUM ERROR "$title" "df could not read the use of $mount" "$mount"
      continue
      ;;
    esac
    case $inodes in '' | *[!0-9]*) inodes= ;; esac
    status=PASS
    if [ "$blocks" -gt "$most" ] || { [ -n "$inodes" ] && [ "$inodes" -gt "$most" ]; }; then status=FAIL; fi
    emit RES-DISK MEDIUM "$status" "$title" "$blocks% of blocks\${inodes:+ and $inodes% of inodes} used (at most $most%)" "$mount"
  done
  IFS=$DEFAULT_IFS
  set +f
  if [ "$checked" -eq 0 ]; then
    emit RES-DISK MEDIUM INFO "disk use is within bounds" "no mounted directory of a checked type ($types)" ""
  fi
}

check_zombies() {
  title="few zombie processes"
  most=$(whole_setting "\${ASSETGUARD_ZOMBIE_MAX:-5}")
  if [ -z "$most" ]; then
    emit RES-ZOMBIE LOW ERROR "$title" "ASSETGUARD_ZOMBIE_MAX is not a whole number: \${ASSETGUARD_ZOMBIE_MAX}"
    return
  fi
  zombies=$(printf '%s\\n' "$PROCESSES" | awk -F '\\t' '$1 == "Z" { print $2 }')
  COUNT=$(printf '%s\\n' "$zombies" | grep -c .)
  # The processes that could be read are a lower bound: more than the limit among them is a
  # FAIL; fewer is a PASS only when every process was read.
  if [ "$COUNT" -gt "$most" ]; then
    EVIDENCE_JSON=$(lines_json "$zombies")
    emit RES-ZOMBIE LOW FAIL "$title" "$COUNT zombie process(es), more than $most: their parents do not reap them"
  elif [ -n "$PROCESSES_PROBLEM" ]; then
    COUNT=
    emit RES-ZOMBIE LOW ERROR "$title" "$PROCESSES_PROBLEM"
  else
    emit RES-ZOMBIE LOW PASS "$title" "$COUNT zombie process(es) (at most $most)"
  fi
}

check_denied_processes() {
  title="no process on the deny-list runs"
  deny=$(printf '%s\\n' "\${ASSETGUARD_PROC_DENY:-xmrig xmr-stak minerd cpuminer kdevtmpfsi kinsing watchbog masscan zmap}" | tr ' ' '\\n')
  hits=$(running "$deny")
  if [ -n "$hits" ]; then
    COUNT=$(printf '%s\\n' "$hits" | grep -c .)
    EVIDENCE_JSON=$(lines_json "$hits")
    emit RES-PROC HIGH FAIL "$title" "running: $(printf '%s' "$hits" | tr '\\n' ' ')"
  elif [ -n "$PROCESSES_PROBLEM" ]; then
    emit RES-PROC HIGH ERROR "$title" "$PROCESSES_PROBLEM"
  else
    emit RES-PROC HIGH PASS "$title" "none of $(printf '%s' "$deny" | tr '\\n' ' ') runs"
  fi
}

check_root_login
check_password_complexity
check_account_lockout
check_password_files
check_uid_zero
check_passwd_mode
check_shadow_mode
check_unowned_files
check_suid_files
check_world_writable
check_services
check_cpu
check_memory
check_disks
check_zombies
check_denied_processes

COUNT=$CHECKS
emit END INFORMATIONAL INFO "assetguard host check finished" "$CHECKS check line(s) above"
`,ae=["U-01","U-02","U-03","U-04","U-44","U-07","U-08","U-06","U-13","U-15","U-19","U-21","U-29","U-60","RES-CPU","RES-MEM","RES-DISK","RES-ZOMBIE","RES-PROC"];var ce=["PASS","FAIL","INFO","ERROR"],de=5e3,ze=/^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$/,Xe=new Set(["HOST","END"]);function Ye(n){return le("sha256").update(n,"utf8").digest("hex")}function At(){return{text:T,bytes:Buffer.byteLength(T),sha256:Ye(T)}}var F={ASSETGUARD_FIND_TIMEOUT:{kind:"whole",min:1,max:86400,default:"120",usedBy:"U-06, U-13, U-15: seconds each file search may take"},ASSETGUARD_MAX_EVIDENCE:{kind:"whole",min:0,max:1e3,default:"20",usedBy:"how many items `evidence` lists"},ASSETGUARD_PASSWORD_MINLEN:{kind:"whole",min:1,max:256,default:"8",usedBy:"U-02"},ASSETGUARD_LOCKOUT_MAX:{kind:"whole",min:1,max:1e3,default:"10",usedBy:"U-03"},ASSETGUARD_SUID_ALLOW:{kind:"list",item:/^(?:[\w.+@:=-]+|\/[\w.+@:=/-]+)$/,itemText:"a file name or an absolute path",default:"(none)",usedBy:"U-13: more file names or absolute paths accepted"},ASSETGUARD_CPU_LOAD_MAX:{kind:"decimal",min:0,max:1e3,default:"1.5",usedBy:"RES-CPU"},ASSETGUARD_MEM_MAX_PCT:{kind:"decimal",min:0,max:100,default:"90",usedBy:"RES-MEM"},ASSETGUARD_DISK_MAX_PCT:{kind:"whole",min:0,max:100,default:"90",usedBy:"RES-DISK"},ASSETGUARD_DISK_FSTYPES:{kind:"list",item:/^[a-z0-9._-]+$/,itemText:"a file system type such as ext4",default:"ext2 ext3 ext4 xfs btrfs zfs vfat exfat f2fs jfs reiserfs ntfs ntfs3 overlay",usedBy:"RES-DISK: replaces the list"},ASSETGUARD_ZOMBIE_MAX:{kind:"whole",min:0,max:1e5,default:"5",usedBy:"RES-ZOMBIE"},ASSETGUARD_PROC_DENY:{kind:"list",item:/^[\w.+@:=/-]{1,15}$/,itemText:"a process name of at most 15 characters (the kernel keeps no more of one)",default:"xmrig xmr-stak minerd cpuminer kdevtmpfsi kinsing watchbog masscan zmap",usedBy:"RES-PROC: replaces the list"}},ue={ASSETGUARD_ROOT:"a fleet check reports the host it ran on, so the script checks its own / (ASSETGUARD_ROOT is for running scripts/fleet/host-check.sh by hand on a mounted image)",ASSETGUARD_PROC:"a fleet check reports the host it ran on, so the script reads its own /proc (ASSETGUARD_PROC is for running scripts/fleet/host-check.sh by hand)"},Je=/^ASSETGUARD_[A-Z0-9_]+$/;function fe(n){return Object.prototype.hasOwnProperty.call(F,n)}function Ze(n,e){if(n.kind==="list"){let r=e.split(" ").filter(o=>o!=="");if(r.length===0)return`one or more items separated by spaces, each ${n.itemText}`;let s=r.find(o=>!n.item.test(o));return s===void 0?void 0:`"${s}" is not ${n.itemText}; items are separated by spaces`}let t=n.kind==="whole"?/^(?:0|[1-9]\d{0,8})$/:/^\d{1,9}(?:\.\d{1,6})?$/,i=Number(e);if(!t.test(e)||i<n.min||i>n.max)return`${n.kind==="whole"?"a whole number":"a number"} from ${n.min} to ${n.max}`}function It(n,e){let t={},i=Object.keys(F).join(", ");for(let r of n){let s=r.indexOf("="),o=(s<0?r:r.slice(0,s)).trim(),d=s<0?"":r.slice(s+1).trim();if(s<0||!Je.test(o))throw new _(`${e}: "${r}" is not ASSETGUARD_NAME=value (e.g. ASSETGUARD_DISK_MAX_PCT=85); entries are separated by commas and newlines, so list values separate their items with spaces (ASSETGUARD_PROC_DENY=xmrig kinsing)`);let l=ue[o];if(l!==void 0)throw new _(`${e}: ${o} cannot be set here: ${l}`);if(!fe(o))throw new _(`${e}: ${o} is not a setting of the host check script; the settings are ${i} (docs/fleet-check.md)`);if(t[o]!==void 0)throw new _(`${e}: ${o} is given twice`);let c=Ze(F[o],d);if(c!==void 0)throw new _(`${e}: ${o}=${JSON.stringify(d)}: the value must be ${c}`);t[o]=d}return t}function Ot(n,e){let t=Object.entries(e).filter(r=>r[1]!==void 0).map(([r,s])=>`export ${r}='${s}'
`);if(t.length===0)return n;let i=n.startsWith("#!")?n.indexOf(`
`)+1:0;return`${n.slice(0,i)}${t.join("")}${n.slice(i)}`}function Qe(n){return typeof n=="object"&&n!==null&&!Array.isArray(n)}function en(n){if(!Qe(n))return"not a JSON object";let{check:e,title:t,severity:i,status:r,detail:s,item:o,count:d,evidence:l}=n;return typeof e!="string"||!(ze.test(e)||Xe.has(e))?'no "check" id such as U-01 or RES-DISK':typeof t!="string"||t===""?'no "title"':typeof i!="string"||!S.includes(i)?`"severity" is not one of ${S.join(", ")}`:typeof r!="string"||!ce.includes(r)?`"status" is not one of ${ce.join(", ")}`:typeof s!="string"?'no "detail"':o!==void 0&&typeof o!="string"?'"item" is not a string':d!==void 0&&!(Number.isInteger(d)&&d>=0)?'"count" is not a whole number':l!==void 0&&!(Array.isArray(l)&&l.every(c=>typeof c=="string"))?'"evidence" is not a list of strings':{check:e,title:t,severity:i,status:r,detail:s,...o!==void 0&&{item:o},...d!==void 0&&{count:d},...l!==void 0&&{evidence:l}}}function H(n){let e=n.length>120?`${n.slice(0,120)}\u2026`:n;return JSON.stringify(e)}function nn(n){return n.item===void 0?n.check:`${n.check} ${n.item}`}var tn=/^[0-9a-f]{32}$/;function wt(n,e=ae){let t={results:[],problems:[]},i=new Set(e),r=new Set,s=n.split(`
`),o=new Set,d,l,c=!1,f=0;for(let[a,u]of s.entries()){let h=u.replace(/\r$/,"");if(h.trim()==="")continue;if(f+=1,f>de){t.problems.push(`the output has more than ${de} lines; the rest were not read`);break}let p=`line ${a+1}`,m;try{m=JSON.parse(h)}catch{t.problems.push(`${p} is not JSON: ${H(h)}`);continue}let g=en(m);if(typeof g=="string"){t.problems.push(`${p} is not a check result (${g}): ${H(h)}`);continue}if(d!==void 0){t.problems.push(`${p} comes after the END line: ${H(h)}`);continue}if(g.check==="HOST"){c&&t.problems.push(`${p} is a second HOST line`),c=!0,g.item!==void 0&&(t.hostname=g.item);let{machine:y}=m;typeof y=="string"&&tn.test(y)&&(t.machineId=y),t.about=g.detail;continue}if(g.check==="END"){d=a+1,l=g.count;continue}c||(t.problems.push(`${p} (${g.check}) comes before the HOST line`),c=!0);let E=nn(g);if(o.has(E)){t.problems.push(`${p} repeats the check ${E}`);continue}o.add(E),i.has(g.check)||r.add(g.check),t.results.push(g)}if(d===void 0?t.problems.push(f===0?"the output is empty":"the output has no END line: it was cut short (the script was stopped, or its output truncated)"):l!==t.results.length&&t.problems.push(`the END line counts ${l??"no"} check line(s) but ${t.results.length} were read`),f>0){let a=new Set(t.results.map(h=>h.check)),u=e.filter(h=>!a.has(h));u.length>0&&t.problems.push(`the output has no line for ${G(u.length,"check")} of the script (${u.join(", ")}): the host was not checked completely`)}if(r.size>0){let a=[...r];t.problems.push(`the output has lines for ${G(a.length,"check")} the script does not have (${a.slice(0,10).join(", ")}${a.length>10?", \u2026":""}): another script answered`)}return t}function rn(n,e){let t=sn(n),i=e.item===void 0?"":`/${encodeURIComponent(e.item)}`,r=`${t}${e.check}${i}`;if(r.length<=512)return r;let s=le("sha256").update(e.item??"").digest("hex");return`${t}${e.check}/sha256-${s}`.slice(0,512)}function sn(n){let e=n.resource.accountId??"local",t=n.resource.region??"local",i=n.instanceId??n.resource.id;return`assetguard/fleet-check/${e}/${t}/${i}/`}function kt(n,e){return{id:e.check,sourceId:rn(n,e),source:"fleet",severity:e.severity,status:"ACTIVE",title:e.item===void 0?e.title:`${e.title} (${e.item})`,description:e.detail,resource:n.resource,packages:[],fixAvailable:"no"}}var on=16*1024*1024;function an(n,e){let t=Object.entries(n).filter(([i])=>!fe(i));return{...Object.fromEntries(t),...e}}function Tt(n){return Object.fromEntries(Object.keys(ue).flatMap(e=>{let t=n[e];return t===void 0||t===""?[]:[[e,t]]}))}function Nt(n){return new Promise((e,t)=>{let i=qe("/bin/sh",["-c",n.script,"assetguard-host-check"],{env:an(process.env,n.settings),stdio:["ignore","pipe","pipe"],detached:!0}),r=[],s=[],o=0,d=f=>a=>{o+=a.length,o<=on&&f.push(a)};i.stdout.on("data",d(r)),i.stderr.on("data",d(s));let l=!1,c=setTimeout(()=>{if(l=!0,i.pid!==void 0)try{process.kill(-i.pid,"SIGKILL")}catch{}},n.timeoutMs);i.on("error",f=>{clearTimeout(c),t(new _(`could not start /bin/sh to run the host check: ${f.message}`))}),i.on("close",f=>{clearTimeout(c),e({stdout:Buffer.concat(r).toString("utf8"),stderr:Buffer.concat(s).toString("utf8"),...f!==null&&{exitCode:f},timedOut:l})})})}var cn=10;async function Ut(n,e,t){let i=0,r=0;for await(let s of n){i+=1;let o=e.items(s);if(!Array.isArray(o))throw new A(`${e.operation??"an AWS listing"} answered page ${i} without its list of items (${o===void 0?"an empty or malformed body":`${typeof o} instead of a list`}); refusing to read a malformed answer as "nothing"`);for(let d of o)t(d)&&(r+=1);if(e.onPage?.(i),i%cn===0&&e.log(e.progress(i,r)),i>=e.pageCap&&e.nextToken(s))throw new A(`${e.endless(i,r)}; refusing to decide on a partial list`)}return i}export{R as a,_ as b,A as c,ye as d,dn as e,ln as f,Nn as g,ne as h,b as i,k as j,xn as k,Fe as l,S as m,Ln as n,Ge as o,Gn as p,U as q,He as r,Un as s,te as t,Wn as u,D as v,Vn as w,jn as x,je as y,dt as z,lt as A,G as B,ut as C,ft as D,pt as E,v as F,ht as G,mt as H,Pn as I,Mn as J,At as K,It as L,Ot as M,nn as N,wt as O,rn as P,sn as Q,kt as R,Tt as S,Nt as T,Ut as U};
