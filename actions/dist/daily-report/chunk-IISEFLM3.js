import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as m,b as r}from"./chunk-76OGONVI.js";import{l as o,t as e}from"./chunk-DWO5JKHP.js";var t=o(m,"StarlingDoveService","ConfigServiceClient",e),i={},n=(p,s,a,f)=>[];var c=class extends t(i,n,"BatchGetResourceConfig",r){};export{t as a,i as b,n as c,c as d};
