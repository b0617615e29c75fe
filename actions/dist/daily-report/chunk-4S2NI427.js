import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
function e(t,n){if(!Number.isInteger(n)||n<1)throw new RangeError(`chunk size must be \u2265 1, got ${n}`);let o=[];for(let r=0;r<t.length;r+=n)o.push(t.slice(r,r+n));return o}function u(t,n){t[n]=(t[n]??0)+1}export{e as a,u as b};
