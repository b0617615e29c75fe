import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{b as n}from"./chunk-SGIEBK7T.js";import{l as o,t as m}from"./chunk-DWO5JKHP.js";var s=o(n,"AmazonSSM","SSMClient",m),d={},f=(t,r,e,i)=>[];export{s as a,d as b,f as c};
