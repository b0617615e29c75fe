import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{b as n}from"./chunk-CSCPOCEP.js";import{l as o,t as m}from"./chunk-5474FCTX.js";var a=o(n,"AmazonEC2","EC2Client",m),d={},g=(t,r,e,p)=>[];export{a,d as b,g as c};
