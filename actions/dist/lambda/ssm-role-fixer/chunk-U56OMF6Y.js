import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{b as t}from"./chunk-UY3AAVSQ.js";import{l as o,t as m}from"./chunk-5474FCTX.js";var d=o(t,"AWSIdentityManagementV20100508","IAMClient",m),s={},f=(n,e,r,i)=>[];export{d as a,s as b,f as c};
